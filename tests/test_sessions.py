"""Sessions carry their assurance; sensitive actions need a recent authentication."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest

from models import ApiKey, AuditEvent, OperatorStatus, Session, Throttle, WebhookEndpoint
from resolvers.mutation_field import RECENT_AUTHENTICATION
from schema.ids import encode_id
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.machinery.throttle import email_wide_key
from services.sessions import AuthenticationMethod
from tests.support import (
    PASSWORD,
    START,
    START_ENROLLMENT,
    GraphQLClient,
    add_operator,
    enroll,
    gid,
    make_team,
    running_app,
    session_for,
    totp_code,
)
from twofa.settings import Settings

SESSION_FIELDS = """id createdAt expiresAt lastUsedAt authenticatedAt authenticationMethods
  ipAddress userAgent current"""
VIEWER_SESSION = f"{{ viewerSession {{ {SESSION_FIELDS} }} }}"
SESSIONS_OF = """query ($id: ID!) { node(id: $id) { ... on Operator {
  sessions(first: 10) { edges { node { id current authenticationMethods } } } } } }"""
REAUTHENTICATE = """mutation ($password: String!, $code: String) {
  reauthenticate(input: {password: $password, code: $code}) {
    session { authenticatedAt authenticationMethods } userErrors { code field } } }"""
REVOKE = """mutation ($id: ID!) { revokeSession(input: {sessionId: $id}) { userErrors { code field } } }"""
REVOKE_ALL = """mutation ($id: ID!) { revokeOperatorSessions(input: {operatorId: $id}) {
  revokedCount operator { email } userErrors { code field } } }"""
SET_DEFAULT = """mutation { setAccountTwoFactorDefault(input: {mode: DISABLED}) {
  userErrors { code } } }"""
WINDOW = timedelta(hours=2)


async def first_error(gql: GraphQLClient, document: str, token: str, **variables: Any) -> Any:
    """Run a mutation and return its payload's userErrors."""
    data = await gql.data(document, variables, token=token)
    return next(iter(data.values()))["userErrors"]


async def test_a_session_tells_how_and_when_it_was_established(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    response = await gql.http.post(
        "/graphql",
        json={
            "query": "mutation ($e: String!, $p: String!) "
            "{ login(input: {email: $e, password: $p}) { sessionToken } }",
            "variables": {"e": team.basic.email, "p": PASSWORD},
        },
        headers={"user-agent": "Console/1.0 (test)"},
    )
    token = response.json()["data"]["login"]["sessionToken"]
    session = (await gql.data(VIEWER_SESSION, token=token))["viewerSession"]
    stamp = START.isoformat()
    assert session == {
        "id": session["id"],
        "createdAt": stamp,
        "expiresAt": (START + timedelta(hours=12)).isoformat(),
        "lastUsedAt": stamp,
        "authenticatedAt": stamp,
        "authenticationMethods": ["PASSWORD"],
        "ipAddress": "127.0.0.1",
        "userAgent": "Console/1.0 (test)",
        "current": True,
    }
    assert (await gql.data(VIEWER_SESSION))["viewerSession"] is None


async def test_last_used_is_written_at_most_once_a_minute(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    clock.advance(timedelta(seconds=59))
    await gql.data("{ viewer { id } }", token=token)
    stored = await Session.get(operator_id=team.basic.id)
    assert stored.last_used_at == START
    clock.advance(timedelta(seconds=1))
    await gql.data("{ viewer { id } }", token=token)
    await stored.refresh_from_db()
    assert stored.last_used_at == START + timedelta(minutes=1)


NEEDS_RECENT_AUTHENTICATION: dict[str, tuple[str, dict[str, str]]] = {
    "setAccountTwoFactorDefault": (SET_DEFAULT, {}),
    "setOperatorTwoFactorOverride": (
        """mutation ($id: ID!) { setOperatorTwoFactorOverride(input:
        {operatorId: $id, mode: REQUIRED}) { userErrors { code } } }""",
        {"id": "basic"},
    ),
    "clearOperatorTwoFactorOverride": (
        """mutation ($id: ID!) { clearOperatorTwoFactorOverride(input: {operatorId: $id})
        { userErrors { code } } }""",
        {"id": "basic"},
    ),
    "resetOperatorTwoFactor": (
        """mutation ($id: ID!) { resetOperatorTwoFactor(input: {operatorId: $id})
        { userErrors { code } } }""",
        {"id": "basic"},
    ),
    "inviteOperator": (
        """mutation { inviteOperator(input: {email: "n@acme.example", name: "N"})
        { userErrors { code } } }""",
        {},
    ),
    "resendInvitation": (
        """mutation ($id: ID!) { resendInvitation(input: {operatorId: $id})
        { userErrors { code } } }""",
        {"id": "invited"},
    ),
    "revokeInvitation": (
        """mutation ($id: ID!) { revokeInvitation(input: {operatorId: $id})
        { userErrors { code } } }""",
        {"id": "invited"},
    ),
    "changeOperatorRole": (
        """mutation ($id: ID!) { changeOperatorRole(input: {operatorId: $id,
        role: ADMINISTRATOR}) { userErrors { code } } }""",
        {"id": "basic"},
    ),
    "deactivateOperator": (
        """mutation ($id: ID!) { deactivateOperator(input: {operatorId: $id})
        { userErrors { code } } }""",
        {"id": "basic"},
    ),
    "reactivateOperator": (
        """mutation ($id: ID!) { reactivateOperator(input: {operatorId: $id})
        { userErrors { code } } }""",
        {"id": "basic"},
    ),
    "unlockOperator": (
        """mutation ($id: ID!) { unlockOperator(input: {operatorId: $id})
        { userErrors { code } } }""",
        {"id": "basic"},
    ),
    "revokeOperatorSessions": (REVOKE_ALL, {"id": "basic"}),
    "revokeSession": (REVOKE, {"id": "own-session"}),
    "startTwoFactorEnrollment": (
        "mutation { startTwoFactorEnrollment(input: {}) { userErrors { code } } }",
        {},
    ),
    "disableTwoFactor": (
        'mutation { disableTwoFactor(input: {code: "123456"}) { userErrors { code } } }',
        {},
    ),
    "regenerateRecoveryCodes": (
        'mutation { regenerateRecoveryCodes(input: {code: "123456"}) { userErrors { code } } }',
        {},
    ),
    "changePassword": (
        """mutation ($password: String!) { changePassword(input: {currentPassword: $password,
        newPassword: "a new password, long enough"}) { userErrors { code } } }""",
        {"password": "password"},
    ),
    "createApiKey": (
        """mutation { createApiKey(input: {name: "Reports", scopes: [READ_OPERATORS]})
        { userErrors { code } } }""",
        {},
    ),
    "revokeApiKey": (
        """mutation ($id: ID!) { revokeApiKey(input: {apiKeyId: $id})
        { userErrors { code } } }""",
        {"id": "api-key"},
    ),
    "createWebhookEndpoint": (
        """mutation { createWebhookEndpoint(input: {url: "https://93.184.216.34/twofa",
        eventTypes: ["two_factor.reset"]}) { userErrors { code } } }""",
        {},
    ),
    "updateWebhookEndpoint": (
        """mutation ($id: ID!) { updateWebhookEndpoint(input: {endpointId: $id,
        enabled: false}) { userErrors { code } } }""",
        {"id": "endpoint"},
    ),
    "deleteWebhookEndpoint": (
        """mutation ($id: ID!) { deleteWebhookEndpoint(input: {endpointId: $id})
        { userErrors { code } } }""",
        {"id": "endpoint"},
    ),
    "rotateWebhookSecret": (
        """mutation ($id: ID!) { rotateWebhookSecret(input: {endpointId: $id})
        { userErrors { code } } }""",
        {"id": "endpoint"},
    ),
    "setAccountTrustedDeviceDays": (
        "mutation { setAccountTrustedDeviceDays(input: {days: 7}) { userErrors { code } } }",
        {},
    ),
    "forgetTrustedDevice": (
        """mutation ($id: ID!) { forgetTrustedDevice(input: {trustedDeviceId: $id})
        { userErrors { code } } }""",
        {"id": "basic"},
    ),
    "issueTemporaryAccessPass": (
        """mutation ($id: ID!) { issueTemporaryAccessPass(input: {operatorId: $id})
        { userErrors { code } } }""",
        {"id": "basic"},
    ),
    "startPasskeyRegistration": (
        "mutation { startPasskeyRegistration(input: {}) { userErrors { code } } }",
        {},
    ),
    "removePasskey": (
        """mutation { removePasskey(input: {passkeyId: "UGFzc2tleTox"})
        { userErrors { code } } }""",
        {},
    ),
}
"""Every mutation that refuses a session older than the reauthentication window, and a call
of it from an administrator's session: the source of truth for the schema's descriptions."""

NEEDS_NO_RECENT_AUTHENTICATION: dict[str, tuple[str, dict[str, str], list[str]]] = {
    "login": (
        """mutation ($email: String!, $password: String!) { login(input: {email: $email,
        password: $password}) { userErrors { code } } }""",
        {"email": "admin-email", "password": "password"},
        [],
    ),
    "verifyTwoFactorCode": (
        """mutation { verifyTwoFactorCode(input: {challengeToken: "no such challenge",
        code: "123456"}) { userErrors { code } } }""",
        {},
        ["TOKEN_INVALID"],
    ),
    "logout": ("mutation { logout { userErrors { code } } }", {}, []),
    "confirmTwoFactorEnrollment": (
        """mutation ($code: String!) { confirmTwoFactorEnrollment(input: {code: $code})
        { userErrors { code } } }""",
        {"code": "pending-code"},
        [],
    ),
    "acceptInvitation": (
        """mutation { acceptInvitation(input: {invitationToken: "no such invitation",
        password: "a new password, long enough"}) { userErrors { code } } }""",
        {},
        ["TOKEN_INVALID"],
    ),
    "reauthenticate": (REAUTHENTICATE, {"password": "password"}, []),
    "requestPasswordReset": (
        """mutation { requestPasswordReset(input: {email: "basic@acme.example"})
        { userErrors { code } } }""",
        {},
        [],
    ),
    "resetPassword": (
        """mutation { resetPassword(input: {token: "no such token",
        newPassword: "a new password, long enough"}) { userErrors { code } } }""",
        {},
        ["TOKEN_INVALID"],
    ),
    "sendTestWebhook": (
        """mutation { sendTestWebhook(input: {endpointId: "V2ViaG9va0VuZHBvaW50OjE="})
        { userErrors { code } } }""",
        {},
        ["NOT_FOUND"],
    ),
    "redeliverWebhook": (
        """mutation { redeliverWebhook(input: {deliveryId: "V2ViaG9va0RlbGl2ZXJ5OjE="})
        { userErrors { code } } }""",
        {},
        ["NOT_FOUND"],
    ),
    "finishPasskeyRegistration": (
        """mutation { finishPasskeyRegistration(input: {name: "Key", credential: {}})
        { userErrors { code } } }""",
        {},
        ["PASSKEY_INVALID"],
    ),
    "startPasskeyVerification": (
        """mutation { startPasskeyVerification(input: {challengeToken: "no such challenge"})
        { userErrors { code } } }""",
        {},
        ["TOKEN_INVALID"],
    ),
    "verifyPasskey": (
        """mutation { verifyPasskey(input: {challengeToken: "no such challenge",
        credential: {}}) { userErrors { code } } }""",
        {},
        ["TOKEN_INVALID"],
    ),
    "startPasskeyReauthentication": (
        "mutation { startPasskeyReauthentication { userErrors { code } } }",
        {},
        ["NOT_CONFIGURED"],
    ),
}
"""Every other mutation, a call of it from a stale session, and the codes it answers."""


@pytest.mark.parametrize(
    ("document", "variables"),
    list(NEEDS_RECENT_AUTHENTICATION.values()),
    ids=list(NEEDS_RECENT_AUTHENTICATION),
)
async def test_sensitive_actions_need_an_authentication_within_the_window(
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    document: str,
    variables: dict[str, str],
) -> None:
    team = await make_team(hasher, clock)
    invited = await add_operator(
        team.account, "invited@acme.example", hasher, clock, status=OperatorStatus.INVITED
    )
    admin = await session_for(team.admin, clock)
    own_session = await Session.get(operator_id=team.admin.id)
    key = await ApiKey.create(
        account_id=team.account.id,
        name="Reports",
        scopes=["READ_OPERATORS"],
        prefix="twofa_key_abcdef",
        digest="0" * 64,
        created_at=clock.now(),
        expires_at=clock.now() + timedelta(days=90),
    )
    endpoint = await WebhookEndpoint.create(
        account_id=team.account.id,
        url="https://93.184.216.34/twofa",
        event_types=["two_factor.reset"],
        secret_encrypted="not read by these mutations",
        created_at=clock.now(),
    )
    ids = {
        "basic": gid(team.basic),
        "invited": gid(invited),
        "own-session": encode_id("Session", own_session.id),
        "api-key": encode_id("ApiKey", key.id),
        "endpoint": encode_id("WebhookEndpoint", endpoint.id),
        "password": PASSWORD,
    }
    resolved = {name: ids.get(value, value) for name, value in variables.items()}
    clock.advance(WINDOW)
    stale = await first_error(gql, document, admin, **resolved)
    assert stale[0]["code"] == "REAUTHENTICATION_REQUIRED"
    assert await Session.filter(id=own_session.id).exists()
    assert (
        not await AuditEvent.filter(actor_id=team.admin.id).exclude(kind="LOGIN_SUCCEEDED").exists()
    )

    renewed = await first_error(gql, REAUTHENTICATE, admin, password=PASSWORD)
    assert renewed == []
    fresh = await first_error(gql, document, admin, **resolved)
    assert all(error["code"] != "REAUTHENTICATION_REQUIRED" for error in fresh)


@pytest.mark.parametrize(
    ("document", "variables", "codes"),
    list(NEEDS_NO_RECENT_AUTHENTICATION.values()),
    ids=list(NEEDS_NO_RECENT_AUTHENTICATION),
)
async def test_other_mutations_work_from_a_session_past_the_window(
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    document: str,
    variables: dict[str, str],
    codes: list[str],
) -> None:
    """Each is called from a session authenticated more than the window ago, which holds
    an enrollment started a minute before the window ended (for confirmTwoFactorEnrollment)."""
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    clock.advance(WINDOW - timedelta(minutes=1))
    started = (await gql.data(START_ENROLLMENT, token=admin))["startTwoFactorEnrollment"]
    assert started["userErrors"] == []
    clock.advance(timedelta(minutes=1))
    assert (await first_error(gql, SET_DEFAULT, admin))[0]["code"] == "REAUTHENTICATION_REQUIRED"
    ids = {
        "admin-email": team.admin.email,
        "password": PASSWORD,
        "pending-code": totp_code(started["enrollment"]["secret"], clock.now()),
    }
    resolved = {name: ids.get(value, value) for name, value in variables.items()}
    answered = await first_error(gql, document, admin, **resolved)
    assert [error["code"] for error in answered] == codes


async def test_the_schema_says_which_mutations_need_a_recent_authentication(
    gql: GraphQLClient,
) -> None:
    """Exactly the mutations that enforce it (above) end their description with the one
    sentence; every mutation is listed above, so a new one must be classified."""
    data = await gql.data('{ __type(name: "Mutation") { fields { name description } } }')
    fields = {field["name"]: field["description"] for field in data["__type"]["fields"]}
    assert set(fields) == set(NEEDS_RECENT_AUTHENTICATION) | set(NEEDS_NO_RECENT_AUTHENTICATION)
    saying_so = {name for name, text in fields.items() if RECENT_AUTHENTICATION in text}
    assert saying_so == set(NEEDS_RECENT_AUTHENTICATION)
    for name in saying_so:
        assert fields[name].endswith(f" {RECENT_AUTHENTICATION}"), name
    # No other mutation speaks of it in other words.
    others = {name for name, text in fields.items() if "recent authentication" in text.lower()}
    assert others == saying_so


async def test_a_session_tells_when_its_recent_authentication_stops_counting(
    settings: Settings, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """With a 10-minute window: allowed up to the instant before, refused from it on, and
    ``reauthenticate`` moves it."""
    window = timedelta(minutes=10)
    short = replace(settings, reauthentication_window_seconds=int(window.total_seconds()))
    query = "{ viewerSession { authenticatedAt reauthenticationExpiresAt } }"
    async with running_app(short, clock, hasher) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://twofa.test") as http:
            gql = GraphQLClient(http)
            team = await make_team(hasher, clock)
            token = await session_for(team.admin, clock)
            clock.advance(timedelta(minutes=3))  # the window runs from the authentication
            session = (await gql.data(query, token=token))["viewerSession"]
            assert session == {
                "authenticatedAt": START.isoformat(),
                "reauthenticationExpiresAt": (START + window).isoformat(),
            }

            clock.set(START + window - timedelta(microseconds=1))
            assert await first_error(gql, SET_DEFAULT, token) == []
            clock.set(START + window)
            refused = await first_error(gql, SET_DEFAULT, token)
            assert refused[0]["code"] == "REAUTHENTICATION_REQUIRED"

            clock.advance(timedelta(minutes=5))
            assert await first_error(gql, REAUTHENTICATE, token, password=PASSWORD) == []
            renewed = (await gql.data(query, token=token))["viewerSession"]
            assert renewed["reauthenticationExpiresAt"] == (clock.now() + window).isoformat()
            assert await first_error(gql, SET_DEFAULT, token) == []


async def test_reauthenticate_needs_the_password_and_a_code_once_two_factor_is_set_up(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.admin, clock)
    enrolled = await enroll(gql, token, clock)
    clock.advance(WINDOW + timedelta(minutes=1))

    wrong = await first_error(gql, REAUTHENTICATE, token, password="not the password at all")
    assert wrong == [{"code": "INVALID_CREDENTIALS", "field": ["input", "password"]}]
    no_code = await first_error(gql, REAUTHENTICATE, token, password=PASSWORD)
    assert no_code == [{"code": "INVALID_INPUT", "field": ["input", "code"]}]
    bad_code = await first_error(gql, REAUTHENTICATE, token, password=PASSWORD, code="000000")
    assert bad_code[0]["code"] == "INVALID_CODE"
    assert (await first_error(gql, SET_DEFAULT, token))[0]["code"] == "REAUTHENTICATION_REQUIRED"

    code = totp_code(enrolled.secret, clock.now())
    data = await gql.data(REAUTHENTICATE, {"password": PASSWORD, "code": code}, token=token)
    assert data["reauthenticate"] == {
        "session": {
            "authenticatedAt": clock.now().isoformat(),
            "authenticationMethods": ["PASSWORD", "TOTP"],
        },
        "userErrors": [],
    }
    assert await first_error(gql, SET_DEFAULT, token) == []
    # The window runs again from the reauthentication.
    clock.advance(WINDOW)
    assert (await first_error(gql, SET_DEFAULT, token))[0]["code"] == "REAUTHENTICATION_REQUIRED"


async def test_a_recovery_code_reauthenticates_once(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.admin, clock)
    enrolled = await enroll(gql, token, clock)
    clock.advance(WINDOW + timedelta(minutes=1))
    recovery_code = enrolled.recovery_codes[0]
    remaining = "{ viewer { recoveryCodesRemaining } }"
    assert (await gql.data(remaining, token=token))["viewer"]["recoveryCodesRemaining"] == 10

    data = await gql.data(
        REAUTHENTICATE, {"password": PASSWORD, "code": recovery_code}, token=token
    )
    assert data["reauthenticate"] == {
        "session": {
            "authenticatedAt": clock.now().isoformat(),
            # The enrollment confirmed in this session counts as TOTP.
            "authenticationMethods": ["PASSWORD", "TOTP", "RECOVERY_CODE"],
        },
        "userErrors": [],
    }
    assert await first_error(gql, SET_DEFAULT, token) == []
    assert (await gql.data(remaining, token=token))["viewer"]["recoveryCodesRemaining"] == 9
    # The code is spent: it cannot renew the window a second time.
    clock.advance(WINDOW + timedelta(minutes=1))
    again = await first_error(gql, REAUTHENTICATE, token, password=PASSWORD, code=recovery_code)
    assert again[0]["code"] == "INVALID_CODE"
    assert (await first_error(gql, SET_DEFAULT, token))[0]["code"] == "REAUTHENTICATION_REQUIRED"
    used = AuditEvent.filter(actor_id=team.admin.id, kind="RECOVERY_CODE_USED")
    assert await used.count() == 1


async def test_wrong_passwords_to_reauthenticate_are_throttled(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    answers = await asyncio.gather(
        *(first_error(gql, REAUTHENTICATE, token, password=f"guess number {n}") for n in range(8))
    )
    codes = sorted(errors[0]["code"] for errors in answers)
    assert codes == ["INVALID_CREDENTIALS"] * 5 + ["TOO_MANY_ATTEMPTS"] * 3
    # Even the right password waits for the lock to pass.
    assert (await first_error(gql, REAUTHENTICATE, token, password=PASSWORD))[0][
        "code"
    ] == "TOO_MANY_ATTEMPTS"


async def test_operators_see_and_end_their_own_sessions_and_administrators_everyones(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    admin = await session_for(team.admin, clock)
    laptop = await session_for(team.basic, clock)
    phone = await session_for(team.basic, clock, methods=[AuthenticationMethod.PASSWORD])
    outsider = await session_for(other.admin, clock)

    mine = (await gql.data(SESSIONS_OF, {"id": gid(team.basic)}, token=laptop))["node"]
    listed = [edge["node"] for edge in mine["sessions"]["edges"]]
    assert [(s["current"], s["authenticationMethods"]) for s in listed] == [
        (False, ["PASSWORD"]),
        (True, ["PASSWORD", "TOTP"]),
    ]
    by_admin = (await gql.data(SESSIONS_OF, {"id": gid(team.basic)}, token=admin))["node"]
    assert len(by_admin["sessions"]["edges"]) == 2
    # Another account's administrator cannot reach them at all.
    assert (await gql.data(SESSIONS_OF, {"id": gid(team.basic)}, token=outsider))["node"] is None
    phone_id = listed[0]["id"]
    assert (
        await gql.data(
            "query ($id: ID!) { node(id: $id) { id } }", {"id": phone_id}, token=outsider
        )
    )["node"] is None
    foreign = await first_error(gql, REVOKE, outsider, id=phone_id)
    assert foreign == [{"code": "NOT_FOUND", "field": ["input", "sessionId"]}]
    basic_on_admin = await first_error(gql, REVOKE_ALL, laptop, id=gid(team.admin))
    assert basic_on_admin == [{"code": "NOT_FOUND", "field": ["input", "operatorId"]}]

    # "Log out everywhere else" keeps the current session.
    data = await gql.data(REVOKE_ALL, {"id": gid(team.basic)}, token=laptop)
    assert data["revokeOperatorSessions"]["revokedCount"] == 1
    assert (await gql.data("{ viewer { id } }", token=phone))["viewer"] is None
    assert (await gql.data("{ viewer { id } }", token=laptop))["viewer"] is not None
    # An administrator ends all of them; ending one's own current session logs out.
    data = await gql.data(REVOKE_ALL, {"id": gid(team.basic)}, token=admin)
    assert data["revokeOperatorSessions"]["revokedCount"] == 1
    assert (await gql.data("{ viewer { id } }", token=laptop))["viewer"] is None
    own = (await gql.data(VIEWER_SESSION, token=admin))["viewerSession"]["id"]
    assert await first_error(gql, REVOKE, admin, id=own) == []
    assert (await gql.data("{ viewer { id } }", token=admin))["viewer"] is None
    revoked = await AuditEvent.filter(kind="SESSIONS_REVOKED")
    assert sorted(event.details["count"] for event in revoked) == [1, 1, 1]


async def test_a_basic_operator_cannot_list_someone_elses_sessions(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    basic = await session_for(team.basic, clock)
    query = """query ($id: ID!) { viewer { account { id } } node(id: $id) { id } }"""
    assert (await gql.data(query, {"id": gid(team.admin)}, token=basic))["node"] is None
    # Through the viewer's own node the field works; for others there is no way in.
    own = await gql.data(SESSIONS_OF, {"id": gid(team.basic)}, token=basic)
    assert len(own["node"]["sessions"]["edges"]) == 1


async def test_an_expired_session_is_like_a_missing_one(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    old = await session_for(team.basic, clock)
    old_id = (await gql.data(VIEWER_SESSION, token=old))["viewerSession"]["id"]
    clock.advance(timedelta(hours=12))
    admin = await session_for(team.admin, clock)
    found = await gql.data("query ($id: ID!) { node(id: $id) { id } }", {"id": old_id}, token=admin)
    assert found["node"] is None
    assert await first_error(gql, REVOKE, admin, id=old_id) == [
        {"code": "NOT_FOUND", "field": ["input", "sessionId"]}
    ]


async def test_reauthenticate_is_refused_while_the_email_is_locked_for_everyone(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    await Throttle.create(
        key=email_wide_key(team.basic.email_key),
        failures=5,
        last_failure_at=clock.now(),
        locked_until=clock.now() + timedelta(minutes=1),
    )
    locked = await first_error(gql, REAUTHENTICATE, token, password=PASSWORD)
    assert locked[0]["code"] == "TOO_MANY_ATTEMPTS"
    clock.advance(timedelta(minutes=1))
    assert await first_error(gql, REAUTHENTICATE, token, password=PASSWORD) == []
