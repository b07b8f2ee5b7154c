"""Administering open invitations: listing them with who sent them and until when they run,
sending a new link, and withdrawing them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.applications import Starlette

from models import AuditEvent, OneTimeToken, Operator, OperatorRole, OperatorStatus
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.smtp import link_token
from tests.support import (
    INVITE,
    PUBLIC_URL,
    START,
    Delivery,
    GraphQLClient,
    add_operator,
    gid,
    make_team,
    session_for,
    stop_senders,
)
from twofa.sql_log import StatementCounter

INVITATION_URL = f"{PUBLIC_URL}/invitations/accept"
NEW_PASSWORD = "a long new password 42"
INVITATIONS = """
query ($status: OperatorStatus) {
  viewer { account { operators(first: 100, filter: {status: $status}) {
    edges { node { id email status invitedAt invitedBy { email } invitationExpiresAt } }
  } } }
}
"""
RESEND = """
mutation ($id: ID!) {
  resendInvitation(input: {operatorId: $id}) {
    operator { id email status invitedAt invitedBy { email } invitationExpiresAt }
    userErrors { code field message }
  }
}
"""
REVOKE = """
mutation ($id: ID!) {
  revokeInvitation(input: {operatorId: $id}) {
    revokedOperatorId
    userErrors { code field message }
  }
}
"""
ACCEPT = """
mutation ($token: String!, $password: String!) {
  acceptInvitation(input: {invitationToken: $token, password: $password}) {
    outcome sessionToken userErrors { code field }
  }
}
"""
NOT_FOUND = [{"code": "NOT_FOUND", "field": ["input", "operatorId"], "message": "No such object."}]


async def invite(gql: GraphQLClient, token: str, email: str) -> str:
    """Invite ``email`` and return the invited operator's id."""
    data = await gql.data(INVITE, {"email": email, "name": "New Person"}, token=token)
    payload = data["inviteOperator"]
    assert payload["userErrors"] == [], payload
    operator_id: str = payload["operator"]["id"]
    return operator_id


async def listed(gql: GraphQLClient, token: str, status: str | None) -> list[dict[str, Any]]:
    data = await gql.data(INVITATIONS, {"status": status}, token=token)
    return [edge["node"] for edge in data["viewer"]["account"]["operators"]["edges"]]


async def accept(gql: GraphQLClient, token: str) -> dict[str, Any]:
    data = await gql.data(ACCEPT, {"token": token, "password": NEW_PASSWORD})
    payload: dict[str, Any] = data["acceptInvitation"]
    return payload


async def test_open_invitations_are_listed_with_who_sent_them_and_until_when(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    first = await invite(gql, admin, "first@acme.example")
    # Mail goes out before the clock moves: a sender's claim on it lasts two minutes.
    [first_mail] = await deliver()
    clock.advance(timedelta(hours=1))
    second = await invite(gql, admin, "second@acme.example")
    week = timedelta(days=7)
    assert await listed(gql, admin, "INVITED") == [
        {
            "id": first,
            "email": "first@acme.example",
            "status": "INVITED",
            "invitedAt": START.isoformat(),
            "invitedBy": {"email": team.admin.email},
            "invitationExpiresAt": (START + week).isoformat(),
        },
        {
            "id": second,
            "email": "second@acme.example",
            "status": "INVITED",
            "invitedAt": (START + timedelta(hours=1)).isoformat(),
            "invitedBy": {"email": team.admin.email},
            "invitationExpiresAt": (START + timedelta(hours=1) + week).isoformat(),
        },
    ]

    # Accepted: no longer an invitation; the date and the inviter stay, the link is gone.
    await deliver()
    accepted = await accept(gql, link_token(first_mail, INVITATION_URL))
    assert accepted["outcome"] == "AUTHENTICATED"
    assert [node["email"] for node in await listed(gql, admin, "INVITED")] == [
        "second@acme.example"
    ]
    [me] = [node for node in await listed(gql, admin, "ACTIVE") if node["id"] == first]
    assert me["invitedBy"] == {"email": team.admin.email}
    assert me["invitedAt"] == START.isoformat() and me["invitationExpiresAt"] is None
    # A basic operator sees only themselves: not the administrator who invited them.
    own = await gql.data(
        "{ viewer { invitedAt invitedBy { email } } }", token=accepted["sessionToken"]
    )
    assert own["viewer"] == {"invitedAt": START.isoformat(), "invitedBy": None}
    # Never invited: nothing to show.
    [basic] = [node for node in await listed(gql, admin, "ACTIVE") if node["id"] == gid(team.basic)]
    assert basic["invitedAt"] is basic["invitedBy"] is basic["invitationExpiresAt"] is None

    # An expired link shows no expiry; the invitation is still open (it can be resent).
    clock.advance(week)
    admin = await session_for(team.admin, clock)
    [expired] = await listed(gql, admin, "INVITED")
    assert expired["email"] == "second@acme.example" and expired["invitationExpiresAt"] is None
    # The inviter was removed: unknown.
    await Operator.filter(id=team.admin.id).update(role=OperatorRole.BASIC)
    other_admin = await add_operator(
        team.account, "boss@acme.example", hasher, clock, role=OperatorRole.ADMINISTRATOR
    )
    boss = await session_for(other_admin, clock)
    await Operator.filter(id=team.admin.id).delete()
    [orphan] = await listed(gql, boss, "INVITED")
    assert orphan["invitedBy"] is None


async def test_a_page_of_invitations_costs_the_same_statements_for_2_and_20(
    app: Starlette, gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    await stop_senders(app)
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    second_admin = await add_operator(
        team.account, "second@acme.example", hasher, clock, role=OperatorRole.ADMINISTRATOR
    )
    other = await session_for(second_admin, clock)

    async def statements() -> int:
        with StatementCounter() as counter:
            nodes = await listed(gql, admin, "INVITED")
        assert all(node["invitedBy"] and node["invitationExpiresAt"] for node in nodes)
        return len(counter.statements)

    for n in range(2):
        await invite(gql, admin if n % 2 else other, f"a{n}@acme.example")
    few = await statements()
    for n in range(18):
        await invite(gql, admin if n % 2 else other, f"b{n}@acme.example")
    many = await statements()
    # The session, the operators with their policy, then the inviters and the links in one
    # each.
    assert few == many == 4


async def test_resending_mails_a_new_link_and_voids_the_old_one(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    invited = await invite(gql, admin, "new@acme.example")
    await deliver()  # before the clock moves: a sender's claim on it lasts two minutes
    clock.advance(timedelta(days=2))
    colleague = await add_operator(
        team.account, "second@acme.example", hasher, clock, role=OperatorRole.ADMINISTRATOR
    )
    resent = (await gql.data(RESEND, {"id": invited}, token=await session_for(colleague, clock)))[
        "resendInvitation"
    ]
    assert resent == {
        "operator": {
            "id": invited,
            "email": "new@acme.example",
            "status": "INVITED",
            "invitedAt": clock.now().isoformat(),
            "invitedBy": {"email": "second@acme.example"},
            "invitationExpiresAt": (clock.now() + timedelta(days=7)).isoformat(),
        },
        "userErrors": [],
    }
    old, new = (link_token(message, INVITATION_URL) for message in await deliver())
    assert old != new
    assert (await accept(gql, old))["userErrors"] == [
        {"code": "TOKEN_INVALID", "field": ["input", "invitationToken"]}
    ]
    assert (await accept(gql, new))["outcome"] == "AUTHENTICATED"
    [event] = await AuditEvent.filter(kind="INVITATION_SENT", actor_id=colleague.id)
    assert event.target_id is not None and event.details["resent"] is True
    assert event.details["email"] == "new@acme.example"
    # Accepted now: there is no invitation left to resend.
    admin = await session_for(team.admin, clock)
    accepted = (await gql.data(RESEND, {"id": invited}, token=admin))["resendInvitation"]
    assert accepted == {"operator": None, "userErrors": NOT_FOUND}


async def test_revoking_deletes_the_invitee_and_voids_the_link(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    invited = await invite(gql, admin, "New@acme.example")
    [message] = await deliver()
    revoked = (await gql.data(REVOKE, {"id": invited}, token=admin))["revokeInvitation"]
    assert revoked == {"revokedOperatorId": invited, "userErrors": []}
    assert not await Operator.filter(email_folded="new@acme.example").exists()
    assert not await OneTimeToken.all().exists()
    assert (await accept(gql, link_token(message, INVITATION_URL)))["userErrors"][0]["code"] == (
        "TOKEN_INVALID"
    )
    node = await gql.data("query ($id: ID!) { node(id: $id) { id } }", {"id": invited}, token=admin)
    assert node["node"] is None
    # The log still says who was invited and withdrawn, though the operator is gone.
    events = await gql.data(
        """{ viewer { account { auditEvents(first: 10) { edges { node {
             kind details actor { email } target { email } } } } } } }""",
        token=admin,
    )
    nodes = [edge["node"] for edge in events["viewer"]["account"]["auditEvents"]["edges"]]
    by_kind = {node["kind"]: node for node in nodes}
    assert by_kind["INVITATION_REVOKED"] == {
        "kind": "INVITATION_REVOKED",
        "details": {"email": "New@acme.example", "name": "New Person", "role": "BASIC"},
        "actor": {"email": team.admin.email},
        "target": None,
    }
    assert by_kind["INVITATION_SENT"]["target"] is None
    assert by_kind["INVITATION_SENT"]["details"]["email"] == "New@acme.example"
    # Gone: a second revocation finds nothing, and the email can be invited afresh.
    again = (await gql.data(REVOKE, {"id": invited}, token=admin))["revokeInvitation"]
    assert again == {"revokedOperatorId": None, "userErrors": NOT_FOUND}
    assert await invite(gql, admin, "new@acme.example") != invited


async def test_only_open_invitations_of_ones_own_account_answer(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    admin = await session_for(team.admin, clock)
    foreign = await invite(gql, await session_for(other.admin, clock), "x@other.example")
    deactivated = await add_operator(
        team.account, "gone@acme.example", hasher, clock, status=OperatorStatus.DEACTIVATED
    )
    ids = {
        "active": gid(team.basic),
        "deactivated": gid(deactivated),
        "another account's invitation": foreign,
        "missing": gid(Operator(id=999_999)),
        "malformed": "not an id",
        "an account's id": team.account_id,
    }
    for label, operator_id in ids.items():
        for document, name in ((RESEND, "resendInvitation"), (REVOKE, "revokeInvitation")):
            payload = (await gql.data(document, {"id": operator_id}, token=admin))[name]
            assert payload["userErrors"] == NOT_FOUND, (label, name)
    assert await Operator.filter(id__in=[team.basic.id, deactivated.id]).count() == 2
    assert await Operator.filter(email_folded="x@other.example").exists()
    [only_foreign_mail] = await deliver()
    assert only_foreign_mail["To"] == "x@other.example"


async def test_invitations_are_administered_by_administrators_in_sudo_mode(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    invited = await invite(gql, admin, "new@acme.example")
    basic = await session_for(team.basic, clock)
    for document in (RESEND, REVOKE):
        refused = await gql.execute(document, {"id": invited}, token=basic)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        anonymous = await gql.execute(document, {"id": invited})
        assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    await deliver()  # before the clock moves: a sender's claim on it lasts two minutes
    clock.advance(timedelta(hours=2, seconds=1))
    for document, name in ((RESEND, "resendInvitation"), (REVOKE, "revokeInvitation")):
        stale = (await gql.data(document, {"id": invited}, token=admin))[name]
        assert [error["code"] for error in stale["userErrors"]] == ["REAUTHENTICATION_REQUIRED"]
    assert await Operator.filter(email_folded="new@acme.example").exists()
    assert len(await deliver()) == 1  # the first invitation only
