"""The audit log: one entry per kind of event, with actor and target, readable by admins."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from models import TwoFactorMode
from services.audit import AuditEventKind
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.passkey_authenticator import SoftwareAuthenticator
from tests.passkey_support import STATE, register
from tests.smtp import link_token
from tests.support import (
    PUBLIC_URL,
    START,
    START_ENROLLMENT,
    Delivery,
    GraphQLClient,
    enroll,
    gid,
    make_team,
    session_for,
    totp_code,
    verify,
)

EVENTS = """
query ($first: Int, $after: String, $filter: AuditEventFilter) {
  viewer { account { auditEvents(first: $first, after: $after, filter: $filter) {
    pageInfo { hasNextPage endCursor }
    edges { node { id kind occurredAt details actor { email } target { email } } }
  } } }
}
"""


async def mutate(
    gql: GraphQLClient, document: str, token: str | None = None, **variables: object
) -> dict[str, Any]:
    body = await gql.execute(f"mutation {document}", dict(variables), token=token)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_every_kind_of_event_is_recorded_with_actor_and_target(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    basic_email, target = team.basic.email, gid(team.basic)

    await mutate(
        gql,
        "{ setAccountTwoFactorDefault(input: {mode: OPTIONAL}) { userErrors { code } } }",
        admin,
    )
    await mutate(
        gql,
        "($id: ID!) { setOperatorTwoFactorOverride(input: {operatorId: $id, mode: REQUIRED}) { userErrors { code } } }",
        admin,
        id=target,
    )
    await mutate(
        gql,
        "($id: ID!) { clearOperatorTwoFactorOverride(input: {operatorId: $id}) { userErrors { code } } }",
        admin,
        id=target,
    )
    await mutate(
        gql,
        '{ inviteOperator(input: {email: "new@acme.example", name: "New"}) { userErrors { code } } }',
        admin,
    )
    [message] = await deliver()
    invitation = link_token(message, f"{PUBLIC_URL}/invitations/accept")
    await mutate(
        gql,
        '($t: String!) { acceptInvitation(input: {invitationToken: $t, password: "a long password 123"}) { userErrors { code } } }',
        t=invitation,
    )

    invited = await gql.data(
        'mutation { inviteOperator(input: {email: "gone@acme.example", name: "Gone"}) { operator { id } } }',
        token=admin,
    )
    await mutate(
        gql,
        "($id: ID!) { revokeInvitation(input: {operatorId: $id}) { userErrors { code } } }",
        admin,
        id=invited["inviteOperator"]["operator"]["id"],
    )

    enrolled = await enroll(gql, await session_for(team.basic, clock), clock)  # started + confirmed
    clock.advance(timedelta(minutes=1))
    assert (await gql.login(basic_email, "wrong password, long enough"))["userErrors"]
    challenge = (await gql.login(basic_email))["challengeToken"]
    assert (await verify(gql, challenge, totp_code(enrolled.secret, clock.now())))[
        "sessionToken"
    ]  # login succeeded
    challenge = (await gql.login(basic_email))["challengeToken"]
    for _ in range(5):
        await verify(gql, challenge, "000000")  # code rejected, then locked out
    clock.advance(timedelta(seconds=30))
    session = (await verify(gql, challenge, enrolled.recovery_codes[0]))[
        "sessionToken"
    ]  # recovery code used
    clock.advance(timedelta(minutes=1))
    await mutate(
        gql,
        "($c: String!) { regenerateRecoveryCodes(input: {code: $c}) { userErrors { code } } }",
        session,
        c=totp_code(enrolled.secret, clock.now()),
    )
    clock.advance(timedelta(minutes=1))
    await mutate(
        gql,
        "($c: String!) { disableTwoFactor(input: {code: $c}) { userErrors { code } } }",
        session,
        c=totp_code(enrolled.secret, clock.now()),
    )
    await mutate(
        gql,
        '{ reauthenticate(input: {password: "correct horse battery staple"}) { userErrors { code } } }',
        admin,
    )
    await mutate(
        gql,
        "($id: ID!) { revokeOperatorSessions(input: {operatorId: $id}) { userErrors { code } } }",
        admin,
        id=target,
    )
    # Something to reset again: an enrollment started after turning 2FA off.
    restarted = await gql.data(START_ENROLLMENT, token=await session_for(team.basic, clock))
    assert restarted["startTwoFactorEnrollment"]["userErrors"] == []
    await mutate(
        gql,
        "($id: ID!) { resetOperatorTwoFactor(input: {operatorId: $id}) { userErrors { code } } }",
        admin,
        id=target,
    )
    for change in (
        "changeOperatorRole(input: {operatorId: $id, role: ADMINISTRATOR})",
        "unlockOperator(input: {operatorId: $id})",
        "deactivateOperator(input: {operatorId: $id})",
        "reactivateOperator(input: {operatorId: $id})",
    ):
        await mutate(
            gql, f"($id: ID!) {{ {change} {{ userErrors {{ code }} }} }}", admin, id=target
        )

    await mutate(
        gql,
        '{ changePassword(input: {currentPassword: "correct horse battery staple", newPassword: "a new password 2026"}) { userErrors { code } } }',
        admin,
    )
    await mutate(
        gql,
        "($e: String!) { requestPasswordReset(input: {email: $e}) { userErrors { code } } }",
        e=basic_email,
    )
    [reset_mail] = [m for m in await deliver() if m["Subject"].startswith("Reset your password")]
    await mutate(
        gql,
        '($t: String!) { resetPassword(input: {token: $t, newPassword: "a new password 2026"}) { userErrors { code } } }',
        t=link_token(reset_mail, f"{PUBLIC_URL}/password/reset"),
    )
    created = await mutate(
        gql,
        '{ createApiKey(input: {name: "Reports", scopes: [READ_AUDIT_LOG]}) { apiKey { id } } }',
        admin,
    )
    await mutate(
        gql,
        "($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) { userErrors { code } } }",
        admin,
        id=created["createApiKey"]["apiKey"]["id"],
    )

    # An endpoint that receives no event these changes cause: nothing is sent anywhere.
    endpoint = await mutate(
        gql,
        '{ createWebhookEndpoint(input: {url: "https://93.184.216.34/twofa", '
        'eventTypes: ["two_factor.compliance_changed"]}) { endpoint { id } } }',
        admin,
    )
    endpoint_id = endpoint["createWebhookEndpoint"]["endpoint"]["id"]
    for change in (
        'updateWebhookEndpoint(input: {endpointId: $id, description: "CRM"})',
        "rotateWebhookSecret(input: {endpointId: $id})",
        "deleteWebhookEndpoint(input: {endpointId: $id})",
    ):
        await mutate(
            gql, f"($id: ID!) {{ {change} {{ userErrors {{ code }} }} }}", admin, id=endpoint_id
        )

    # Trusted devices and a temporary access pass: the pass lets the operator (who has no
    # factor since the reset) in, they set up a new authenticator and remember a browser.
    await mutate(
        gql, "{ setAccountTrustedDeviceDays(input: {days: 7}) { userErrors { code } } }", admin
    )
    issued = await mutate(
        gql, "($id: ID!) { issueTemporaryAccessPass(input: {operatorId: $id}) { pass } }", admin,
        id=target,
    )  # fmt: skip
    challenge = (await gql.login(basic_email, "a new password 2026"))["challengeToken"]
    pass_session = (await verify(gql, challenge, issued["issueTemporaryAccessPass"]["pass"]))[
        "sessionToken"
    ]
    renewed = await enroll(gql, pass_session, clock)
    clock.advance(timedelta(minutes=1))
    challenge = (await gql.login(basic_email, "a new password 2026"))["challengeToken"]
    await mutate(
        gql,
        "($ch: String!, $c: String!) { verifyTwoFactorCode(input: {challengeToken: $ch, "
        "code: $c, rememberDevice: true}) { deviceToken } }",
        ch=challenge,
        c=totp_code(renewed.secret, clock.now()),
    )
    devices = await gql.data(
        "query ($id: ID!) { node(id: $id) { ... on Operator { trustedDevices { id } } } }",
        {"id": target},
        token=admin,
    )
    await mutate(
        gql,
        "($id: ID!) { forgetTrustedDevice(input: {trustedDeviceId: $id}) { userErrors { code } } }",
        admin,
        id=devices["node"]["trustedDevices"][0]["id"],
    )
    # A passkey registered (the administrator's first factor) and removed again.
    await register(gql, SoftwareAuthenticator(), token=admin, name="Desk key")
    [passkey] = (await gql.data(STATE, token=admin))["viewer"]["passkeys"]
    await mutate(
        gql,
        "($id: ID!) { removePasskey(input: {passkeyId: $id}) { userErrors { code } } }",
        admin,
        id=passkey["id"],
    )

    report = await gql.http.get(
        "/reports/two-factor-compliance.csv", headers={"Authorization": f"Bearer {admin}"}
    )
    assert report.status_code == 200

    data = await gql.data(EVENTS, {"first": 100}, token=admin)
    events = [edge["node"] for edge in data["viewer"]["account"]["auditEvents"]["edges"]]
    # The sender records WEBHOOK_ENDPOINT_DISABLED after a day of failures, the reminder job
    # TWO_FACTOR_OVERDUE when a deadline passes; their tests are in
    # tests/test_webhook_delivery.py and tests/test_reminders.py.
    assert {event["kind"] for event in events} == {kind.value for kind in AuditEventKind} - {
        "WEBHOOK_ENDPOINT_DISABLED",
        "TWO_FACTOR_OVERDUE",
    }
    occurred = [event["occurredAt"] for event in events]
    assert occurred == sorted(occurred, reverse=True)  # newest first

    def one(kind: str) -> dict[str, Any]:
        found: list[dict[str, Any]] = [event for event in events if event["kind"] == kind]
        assert found, kind
        return found[0]

    assert one("OVERRIDE_SET")["actor"] == {"email": team.admin.email}
    assert one("OVERRIDE_SET")["target"] == {"email": basic_email}
    assert one("OVERRIDE_SET")["details"] == {"from": None, "to": "REQUIRED"}
    assert one("TWO_FACTOR_RESET")["actor"] == {"email": team.admin.email}
    assert one("ROLE_CHANGED")["details"] == {"from": "BASIC", "to": "ADMINISTRATOR"}
    assert one("OPERATOR_DEACTIVATED")["target"] == {"email": basic_email}
    assert one("OPERATOR_REACTIVATED")["actor"] == {"email": team.admin.email}
    assert one("OPERATOR_UNLOCKED")["details"] == {"lockedUntil": None}
    assert one("PASSKEY_ADDED")["details"] == {"name": "Desk key"}
    assert one("PASSKEY_REMOVED")["actor"] == {"email": team.admin.email}
    assert one("INVITATION_ACCEPTED")["target"] == {"email": "new@acme.example"}
    assert (
        one("LOGIN_FAILED")["target"] == {"email": basic_email}
        and one("LOGIN_FAILED")["actor"] is None
    )
    assert one("LOCKED_OUT")["details"]["factor"] == "code"
    assert one("CODE_REJECTED")["details"] == {"reason": "INVALID_CODE"}
    assert one("TEMPORARY_ACCESS_PASS_ISSUED")["actor"] == {"email": team.admin.email}
    assert one("TEMPORARY_ACCESS_PASS_USED")["actor"] == {"email": basic_email}
    assert one("TRUSTED_DEVICE_REMEMBERED")["target"] == {"email": basic_email}
    assert one("TRUSTED_DEVICES_FORGOTTEN")["details"] == {"count": 1, "reason": "forgotten"}
    assert one("TRUSTED_DEVICE_DAYS_CHANGED")["details"] == {"from": 0, "to": 7}
    assert one("LOGIN_SUCCEEDED")["details"]["method"] in {"password", "totp", "recovery_code"}
    for event in events:
        text = str(event["details"])
        assert enrolled.secret not in text and not any(
            code in text for code in enrolled.recovery_codes
        )


async def test_audit_log_pages_filters_and_stays_inside_the_account(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    admin = await session_for(team.admin, clock)
    await enroll(gql, admin, clock)  # an administrator without 2FA could not require it
    for mode in ("REQUIRED", "DISABLED", "OPTIONAL", "REQUIRED", "DISABLED"):
        await mutate(
            gql,
            f"{{ setAccountTwoFactorDefault(input: {{mode: {mode}}}) {{ userErrors {{ code }} }} }}",
            admin,
        )
    await mutate(
        gql,
        "($id: ID!) { setOperatorTwoFactorOverride(input: {operatorId: $id, mode: REQUIRED}) { userErrors { code } } }",
        admin,
        id=gid(team.basic),
    )
    await mutate(
        gql,
        "{ setAccountTwoFactorDefault(input: {mode: REQUIRED}) { userErrors { code } } }",
        await session_for(other.admin, clock),
    )  # refused (the other administrator has no 2FA): not listed either way

    seen, after = [], None
    while True:
        data = await gql.data(
            EVENTS,
            {"first": 2, "after": after, "filter": {"kinds": ["ACCOUNT_DEFAULT_CHANGED"]}},
            token=admin,
        )
        connection = data["viewer"]["account"]["auditEvents"]
        seen += [edge["node"]["details"]["to"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == [
        "DISABLED",
        "REQUIRED",
        "OPTIONAL",
        "DISABLED",
        "REQUIRED",
    ]  # only ours, newest first

    about_basic = await gql.data(EVENTS, {"filter": {"targetId": gid(team.basic)}}, token=admin)
    assert [
        e["node"]["kind"] for e in about_basic["viewer"]["account"]["auditEvents"]["edges"]
    ] == ["OVERRIDE_SET"]
    nobody = await gql.data(EVENTS, {"filter": {"actorId": "garbage"}}, token=admin)
    assert nobody["viewer"]["account"]["auditEvents"]["edges"] == []

    event_id = about_basic["viewer"]["account"]["auditEvents"]["edges"][0]["node"]["id"]
    node = "query ($id: ID!) { node(id: $id) { ... on AuditEvent { kind } } }"
    assert (await gql.data(node, {"id": event_id}, token=admin))["node"] == {"kind": "OVERRIDE_SET"}
    assert (await gql.data(node, {"id": event_id}, token=await session_for(team.basic, clock)))[
        "node"
    ] is None
    assert (await gql.data(node, {"id": event_id}, token=await session_for(other.admin, clock)))[
        "node"
    ] is None
    basic = await gql.execute(EVENTS, {}, token=await session_for(team.basic, clock))
    assert basic["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_password_lockout_is_audited(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.OPTIONAL)
    for _ in range(5):
        await gql.login(team.basic.email, "wrong password, long enough")
    data = await gql.data(
        EVENTS, {"filter": {"kinds": ["LOCKED_OUT"]}}, token=await session_for(team.admin, clock)
    )
    [edge] = data["viewer"]["account"]["auditEvents"]["edges"]
    assert edge["node"]["details"]["factor"] == "password"
    assert edge["node"]["target"] == {"email": team.basic.email}


async def test_events_record_the_client_filter_by_time_and_count(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    override = """mutation ($id: ID!, $mode: TwoFactorMode!) { setOperatorTwoFactorOverride(
      input: {operatorId: $id, mode: $mode}) { userErrors { code } } }"""
    for mode in ("DISABLED", "OPTIONAL", "REQUIRED"):
        admin = await session_for(team.admin, clock)  # recent enough for a policy change
        response = await gql.http.post(
            "/graphql",
            json={"query": override, "variables": {"id": gid(team.basic), "mode": mode}},
            headers={"authorization": f"Bearer {admin}", "user-agent": f"Dashboard/{mode}"},
        )
        assert response.json()["data"]["setOperatorTwoFactorOverride"]["userErrors"] == []
        clock.advance(timedelta(hours=1))
    query = """query ($filter: AuditEventFilter) { viewer { account {
      auditEvents(first: 10, filter: $filter) {
        totalCount edges { node { details ipAddress userAgent } } } } } }"""
    kinds = {"kinds": ["OVERRIDE_SET"]}
    every = (await gql.data(query, {"filter": kinds}, token=admin))["viewer"]["account"]
    assert every["auditEvents"]["totalCount"] == 3
    assert [edge["node"] for edge in every["auditEvents"]["edges"]] == [
        {"details": {"from": "OPTIONAL", "to": "REQUIRED"}, "ipAddress": "127.0.0.1",
         "userAgent": "Dashboard/REQUIRED"},
        {"details": {"from": "DISABLED", "to": "OPTIONAL"}, "ipAddress": "127.0.0.1",
         "userAgent": "Dashboard/OPTIONAL"},
        {"details": {"from": None, "to": "DISABLED"}, "ipAddress": "127.0.0.1",
         "userAgent": "Dashboard/DISABLED"},
    ]  # fmt: skip
    window = {
        **kinds,
        "since": (START + timedelta(hours=1)).isoformat(),
        "until": (START + timedelta(hours=2)).isoformat(),
    }
    middle = (await gql.data(query, {"filter": window}, token=admin))["viewer"]["account"]
    assert middle["auditEvents"]["totalCount"] == 1
    assert middle["auditEvents"]["edges"][0]["node"]["userAgent"] == "Dashboard/OPTIONAL"


async def test_a_time_range_outside_the_calendar_is_refused_as_input(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    query = """query ($filter: AuditEventFilter) { viewer { account {
      auditEvents(filter: $filter) { totalCount } } } }"""
    for window in ({"since": "0001-01-01T00:00:00+14:00"}, {"until": "9999-12-31T23:59:59-12:00"}):
        answer = await gql.execute(query, {"filter": window}, token=admin)
        assert [e["extensions"]["code"] for e in answer["errors"]] == ["INVALID_INPUT"]
