"""Administrators change roles, deactivate and reactivate operators and lift their locks; an
account always keeps an active administrator, under concurrency too."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from starlette.applications import Starlette

from models import (
    AuditEvent,
    Authenticator,
    OneTimeToken,
    Operator,
    OperatorRole,
    OperatorStatus,
    Session,
    Throttle,
    TokenPurpose,
)
from schema.ids import encode_id
from services.machinery import tokens
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.machinery.throttle import address_key
from services.validation import unclaimed_email_key
from tests.smtp import link_token
from tests.support import (
    ATTACKERS,
    INVITE,
    OWNER,
    PASSWORD,
    PUBLIC_URL,
    START_ENROLLMENT,
    WRONG,
    Delivery,
    GraphQLClient,
    Team,
    add_operator,
    enroll,
    from_address,
    gid,
    login_from,
    make_team,
    session_for,
    stop_senders,
    totp_code,
    verify,
)
from twofa.sql_log import StatementCounter

OPERATOR_FIELDS = "operator { id status role lockedUntil } userErrors { code field message }"
DEACTIVATE = f"""mutation ($id: ID!) {{
  deactivateOperator(input: {{operatorId: $id}}) {{ {OPERATOR_FIELDS} }} }}"""
REACTIVATE = f"""mutation ($id: ID!) {{
  reactivateOperator(input: {{operatorId: $id}}) {{ {OPERATOR_FIELDS} }} }}"""
CHANGE_ROLE = f"""mutation ($id: ID!, $role: OperatorRole!) {{
  changeOperatorRole(input: {{operatorId: $id, role: $role}}) {{ {OPERATOR_FIELDS} }} }}"""
UNLOCK = f"""mutation ($id: ID!) {{
  unlockOperator(input: {{operatorId: $id}}) {{ {OPERATOR_FIELDS} }} }}"""
DEMOTE = CHANGE_ROLE.replace("$role: OperatorRole!", "").replace("role: $role", "role: BASIC")
"""``changeOperatorRole`` to BASIC, with the operator's id as its only variable."""
OPERATOR = """query ($id: ID!) { node(id: $id) { ... on Operator { status role lockedUntil } } }"""
ADMIN_ONLY = "{ viewer { account { operators(first: 1) { totalCount } } } }"
VIEWER = "{ viewer { email role } }"
ACCEPT = """mutation ($invitation: String!) {
  acceptInvitation(input: {invitationToken: $invitation, password: "a long password 123"}) {
    outcome userErrors { code } } }"""
REAUTHENTICATE = """mutation ($password: String!) {
  reauthenticate(input: {password: $password}) { userErrors { code } } }"""
WINDOW = timedelta(hours=2)
BY_ID = {
    "deactivateOperator": DEACTIVATE,
    "reactivateOperator": REACTIVATE,
    "changeOperatorRole": DEMOTE,
    "unlockOperator": UNLOCK,
}
"""Every mutation of this file with the target operator's id as its only variable."""


async def run(gql: GraphQLClient, document: str, token: str | None, **variables: Any) -> Any:
    """Run a mutation that must not fail at the top level; return its payload."""
    data = await gql.data(document, variables, token=token)
    return next(iter(data.values()))


async def node(gql: GraphQLClient, token: str, operator: Operator) -> Any:
    """An operator's status, role and lock as the token's operator reads them."""
    return (await gql.data(OPERATOR, {"id": gid(operator)}, token=token))["node"]


async def viewer_of(gql: GraphQLClient, token: str) -> Any:
    """The ``viewer`` a token reads (None when its session is not accepted)."""
    return (await gql.data(VIEWER, token=token))["viewer"]


def codes(payload: Any) -> list[tuple[str, Any]]:
    """The codes and fields of a payload's userErrors."""
    return [(error["code"], error["field"]) for error in payload["userErrors"]]


async def details_of(kind: str, target: Operator) -> list[Any]:
    """The details of the audit events of ``kind`` about ``target``, oldest first."""
    return list(
        await AuditEvent.filter(kind=kind, target_id=target.id)
        .order_by("id")
        .values_list("details", flat=True)
    )


async def add_admin(team: Team, email: str, hasher: PasswordHasher, clock: FrozenClock) -> Operator:
    """Give the team's account another active administrator."""
    return await add_operator(team.account, email, hasher, clock, role=OperatorRole.ADMINISTRATOR)


async def active_administrators(team: Team) -> int:
    return await Operator.filter(
        account_id=team.account.id,
        role=OperatorRole.ADMINISTRATOR,
        status=OperatorStatus.ACTIVE,
    ).count()


# -- Deactivation and reactivation ----------------------------------------------------------


async def test_a_deactivated_operator_cannot_log_in_and_their_sessions_end_at_once(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    laptop = await session_for(team.basic, clock)
    enrolled = await enroll(gql, laptop, clock)
    phone = await session_for(team.basic, clock)
    clock.advance(timedelta(minutes=1))
    challenge = (await gql.login(team.basic.email))["challengeToken"]
    assert challenge

    payload = await run(gql, DEACTIVATE, admin, id=gid(team.basic))
    assert payload == {
        "operator": {
            "id": gid(team.basic),
            "status": "DEACTIVATED",
            "role": "BASIC",
            "lockedUntil": None,
        },
        "userErrors": [],
    }
    # Every session ended at once, and the login challenge issued before is void even
    # with the right code.
    assert await viewer_of(gql, laptop) is None and await viewer_of(gql, phone) is None
    assert not await Session.filter(operator_id=team.basic.id).exists()
    assert not await OneTimeToken.filter(operator_id=team.basic.id).exists()
    refused = await verify(gql, challenge, totp_code(enrolled.secret, clock.now()))
    assert codes(refused) == [("TOKEN_INVALID", ["input", "challengeToken"])]
    assert refused["sessionToken"] is None
    # Login answers exactly as for an email nobody has.
    assert await gql.login(team.basic.email) == await gql.login("nobody@acme.example")
    assert codes(await gql.login(team.basic.email)) == [("INVALID_CREDENTIALS", None)]
    # The email is no longer the operator's login; the history is kept.
    stored = await Operator.get(id=team.basic.id)
    assert stored.email_key.startswith("#") and stored.email_folded == "basic@acme.example"
    assert await Authenticator.filter(operator_id=team.basic.id).exists()
    assert await details_of("ENROLLMENT_CONFIRMED", team.basic)
    assert await details_of("OPERATOR_DEACTIVATED", team.basic) == [{"sessionsEnded": 2}]
    event = await AuditEvent.get(kind="OPERATOR_DEACTIVATED")
    assert (event.actor_id, event.target_id) == (team.admin.id, team.basic.id)
    assert await node(gql, admin, team.basic) == {
        "status": "DEACTIVATED",
        "role": "BASIC",
        "lockedUntil": None,
    }

    payload = await run(gql, REACTIVATE, admin, id=gid(team.basic))
    assert payload["userErrors"] == [] and payload["operator"]["status"] == "ACTIVE"
    assert (await Operator.get(id=team.basic.id)).email_key == "basic@acme.example"
    assert await details_of("OPERATOR_REACTIVATED", team.basic) == [{}]
    # The operator logs in again, with the password and the authenticator they had.
    login = await gql.login(team.basic.email)
    assert login["outcome"] == "TWO_FACTOR_CODE_REQUIRED"
    clock.advance(timedelta(seconds=30))
    session = (await verify(gql, login["challengeToken"], totp_code(enrolled.secret, clock.now())))[
        "sessionToken"
    ]
    assert await viewer_of(gql, session) == {"email": team.basic.email, "role": "BASIC"}
    # Sessions from before stay ended.
    assert await viewer_of(gql, laptop) is None


async def test_only_active_operators_are_deactivated_and_repeating_changes_nothing(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    invited = await add_operator(
        team.account, "invited@acme.example", hasher, clock, status=OperatorStatus.INVITED
    )
    for document in (DEACTIVATE, REACTIVATE):
        payload = await run(gql, document, admin, id=gid(invited))
        assert payload["operator"] is None
        assert codes(payload) == [("INVALID_INPUT", ["input", "operatorId"])]
        assert payload["userErrors"][0]["message"]
    assert (await Operator.get(id=invited.id)).status is OperatorStatus.INVITED

    # Reactivating an active operator, or deactivating a deactivated one, is already done.
    assert (await run(gql, REACTIVATE, admin, id=gid(team.basic)))["userErrors"] == []
    for _ in range(2):
        payload = await run(gql, DEACTIVATE, admin, id=gid(team.basic))
        assert payload["userErrors"] == [] and payload["operator"]["status"] == "DEACTIVATED"
    assert len(await details_of("OPERATOR_DEACTIVATED", team.basic)) == 1
    assert await details_of("OPERATOR_REACTIVATED", team.basic) == []


async def test_reactivation_is_email_taken_when_the_email_was_claimed_meanwhile(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock)
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    admin = await session_for(team.admin, clock)
    assert (await run(gql, DEACTIVATE, admin, id=gid(team.basic)))["userErrors"] == []

    # Deactivated, the operator holds the email no more: another account's invitee claims it.
    invited = await gql.data(
        INVITE,
        {"email": "Basic@Acme.example", "name": "B"},
        token=await session_for(other.admin, clock),
    )
    assert invited["inviteOperator"]["userErrors"] == []
    [message] = await deliver()
    accepted = await run(
        gql, ACCEPT, None, invitation=link_token(message, f"{PUBLIC_URL}/invitations/accept")
    )
    assert accepted == {"outcome": "AUTHENTICATED", "userErrors": []}

    payload = await run(gql, REACTIVATE, admin, id=gid(team.basic))
    assert payload["operator"] is None
    assert codes(payload) == [("EMAIL_TAKEN", ["input", "operatorId"])]
    stored = await Operator.get(id=team.basic.id)
    assert stored.status is OperatorStatus.DEACTIVATED and stored.email_key.startswith("#")
    assert await details_of("OPERATOR_REACTIVATED", team.basic) == []
    # The email logs in the operator who claimed it.
    login = await gql.login("basic@acme.example", "a long password 123")
    assert login["outcome"] == "AUTHENTICATED"
    assert login["viewer"]["id"] == invited["inviteOperator"]["operator"]["id"]


async def test_an_administrator_who_deactivates_themselves_is_logged_out(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    await add_admin(team, "second@acme.example", hasher, clock)
    admin = await session_for(team.admin, clock)
    body = await gql.execute(
        """mutation ($id: ID!) {
          deactivateOperator(input: {operatorId: $id}) { operator { status } userErrors { code } }
          setAccountTwoFactorDefault(input: {mode: DISABLED}) { userErrors { code } } }""",
        {"id": gid(team.admin)},
        token=admin,
    )
    # The rest of the request ran without the session, and the session is gone.
    assert body["data"] is None  # the refused field is not nullable
    assert (await Operator.get(id=team.admin.id)).status is OperatorStatus.DEACTIVATED
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["path"] == ["setAccountTwoFactorDefault"]
    assert await viewer_of(gql, admin) is None
    assert codes(await gql.login(team.admin.email)) == [("INVALID_CREDENTIALS", None)]


async def test_challenges_and_setup_links_of_a_deactivated_operator_are_void(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """Even tokens issued in a race with the deactivation (after it deleted the others)."""
    team = await make_team(hasher, clock)
    challenge = await tokens.issue(team.basic.id, TokenPurpose.LOGIN_CHALLENGE, clock.now())
    setup = await tokens.issue(team.basic.id, TokenPurpose.SETUP_FROM_EMAIL, clock.now())
    await Operator.filter(id=team.basic.id).update(
        status=OperatorStatus.DEACTIVATED, email_key=unclaimed_email_key()
    )
    assert codes(await verify(gql, challenge, "123456")) == [
        ("TOKEN_INVALID", ["input", "challengeToken"])
    ]
    started = await run(gql, START_ENROLLMENT, None, setupToken=setup)
    assert codes(started) == [("TOKEN_INVALID", ["input", "setupToken"])]
    assert not await Authenticator.filter(operator_id=team.basic.id).exists()
    assert not await Session.filter(operator_id=team.basic.id).exists()


# -- Roles, and the last administrator -------------------------------------------------------


async def test_a_role_change_applies_to_the_operators_next_request(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    basic = await session_for(team.basic, clock)
    forbidden = await gql.execute(ADMIN_ONLY, token=basic)
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    promoted = await run(gql, CHANGE_ROLE, admin, id=gid(team.basic), role="ADMINISTRATOR")
    assert promoted["userErrors"] == [] and promoted["operator"]["role"] == "ADMINISTRATOR"
    assert "errors" not in await gql.execute(ADMIN_ONLY, token=basic)  # the same session

    demoted = await run(gql, CHANGE_ROLE, admin, id=gid(team.basic), role="BASIC")
    assert demoted["userErrors"] == [] and demoted["operator"]["role"] == "BASIC"
    forbidden = await gql.execute(ADMIN_ONLY, token=basic)
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await viewer_of(gql, basic) == {"email": team.basic.email, "role": "BASIC"}

    # Setting the role an operator has changes nothing and logs nothing.
    same = await run(gql, CHANGE_ROLE, admin, id=gid(team.basic), role="BASIC")
    assert same["userErrors"] == [] and same["operator"]["role"] == "BASIC"
    assert await details_of("ROLE_CHANGED", team.basic) == [
        {"from": "BASIC", "to": "ADMINISTRATOR"},
        {"from": "ADMINISTRATOR", "to": "BASIC"},
    ]
    event = await AuditEvent.filter(kind="ROLE_CHANGED").first()
    assert event is not None and event.actor_id == team.admin.id


async def test_the_last_active_administrator_is_neither_demoted_nor_deactivated(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    for document in (DEMOTE, DEACTIVATE):
        payload = await run(gql, document, admin, id=gid(team.admin))
        assert payload["operator"] is None
        assert codes(payload) == [("LAST_ADMINISTRATOR", None)]
    assert await viewer_of(gql, admin) == {"email": team.admin.email, "role": "ADMINISTRATOR"}

    # A deactivated administrator does not count.
    second = await add_admin(team, "second@acme.example", hasher, clock)
    assert (await run(gql, DEACTIVATE, admin, id=gid(second)))["userErrors"] == []
    assert codes(await run(gql, DEMOTE, admin, id=gid(team.admin))) == [
        ("LAST_ADMINISTRATOR", None)
    ]
    assert (await run(gql, REACTIVATE, admin, id=gid(second)))["userErrors"] == []

    # With another one active, demoting oneself is allowed, and applies at once.
    body = await gql.execute(
        """mutation ($id: ID!) {
          changeOperatorRole(input: {operatorId: $id, role: BASIC}) { operator { role } userErrors { code } }
          setAccountTwoFactorDefault(input: {mode: DISABLED}) { userErrors { code } } }""",
        {"id": gid(team.admin)},
        token=admin,
    )
    assert (await Operator.get(id=team.admin.id)).role is OperatorRole.BASIC
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["errors"][0]["path"] == ["setAccountTwoFactorDefault"]
    assert (await gql.execute(ADMIN_ONLY, token=admin))["errors"][0]["extensions"][
        "code"
    ] == "FORBIDDEN"

    # Now the second administrator is the last one.
    last = await session_for(second, clock)
    for document in (DEMOTE, DEACTIVATE):
        assert codes(await run(gql, document, last, id=gid(second))) == [
            ("LAST_ADMINISTRATOR", None)
        ]
    assert await active_administrators(team) == 1
    assert len(await details_of("ROLE_CHANGED", team.admin)) == 1


async def test_invited_and_deactivated_administrators_change_role_freely(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """Only active administrators count, so demoting the others never leaves none."""
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    invited = await add_operator(
        team.account,
        "inv@acme.example",
        hasher,
        clock,
        role=OperatorRole.ADMINISTRATOR,
        status=OperatorStatus.INVITED,
    )
    deactivated = await add_admin(team, "gone@acme.example", hasher, clock)
    assert (await run(gql, DEACTIVATE, admin, id=gid(deactivated)))["userErrors"] == []
    for operator, status in ((invited, "INVITED"), (deactivated, "DEACTIVATED")):
        payload = await run(gql, DEMOTE, admin, id=gid(operator))
        assert payload["userErrors"] == []
        assert payload["operator"] == {
            "id": gid(operator),
            "status": status,
            "role": "BASIC",
            "lockedUntil": None,
        }
    assert await active_administrators(team) == 1


async def test_administrators_who_use_single_sign_on_do_not_count_as_the_last(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """They never sign in here, so they could not change the account's policy."""
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    sso = await add_operator(
        team.account,
        "sso-admin@acme.example",
        hasher,
        clock,
        role=OperatorRole.ADMINISTRATOR,
        uses_single_sign_on=True,
    )
    for document in (DEMOTE, DEACTIVATE):
        assert codes(await run(gql, document, admin, id=gid(team.admin))) == [
            ("LAST_ADMINISTRATOR", None)
        ]
    # Demoting the single-sign-on administrator leaves the one who signs in here.
    payload = await run(gql, DEMOTE, admin, id=gid(sso))
    assert payload["userErrors"] == []
    assert payload["operator"]["role"] == "BASIC"
    assert await viewer_of(gql, admin) == {"email": team.admin.email, "role": "ADMINISTRATOR"}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(DEMOTE, DEMOTE, id="both demote themselves"),
        pytest.param(DEACTIVATE, DEACTIVATE, id="both deactivate themselves"),
        pytest.param(DEMOTE, DEACTIVATE, id="one demotes, one deactivates themselves"),
    ],
)
async def test_two_administrators_leaving_at_once_leave_one(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, first: str, second: str
) -> None:
    for round_ in range(4):
        team = await make_team(hasher, clock, name=f"T{round_}", domain=f"t{round_}.example")
        other = await add_admin(team, f"other@t{round_}.example", hasher, clock)
        a, b = await session_for(team.admin, clock), await session_for(other, clock)
        answers = await asyncio.gather(
            run(gql, first, a, id=gid(team.admin)), run(gql, second, b, id=gid(other))
        )
        assert sorted(codes(answer) for answer in answers) == [
            [],
            [("LAST_ADMINISTRATOR", None)],
        ]
        assert await active_administrators(team) == 1


async def test_two_administrators_demoting_each_other_at_once_cannot_both_succeed(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    for round_ in range(4):
        team = await make_team(hasher, clock, name=f"T{round_}", domain=f"t{round_}.example")
        other = await add_admin(team, f"other@t{round_}.example", hasher, clock)
        a, b = await session_for(team.admin, clock), await session_for(other, clock)
        answers = await asyncio.gather(
            gql.execute(DEMOTE, {"id": gid(other)}, token=a),
            gql.execute(DEMOTE, {"id": gid(team.admin)}, token=b),
        )
        succeeded = [answer for answer in answers if "errors" not in answer]
        assert len(succeeded) == 1
        assert succeeded[0]["data"]["changeOperatorRole"]["userErrors"] == []
        # The other one is no administrator any more when its turn comes.
        [refused] = [answer for answer in answers if "errors" in answer]
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert refused["data"] is None
        assert await active_administrators(team) == 1
        assert len(await AuditEvent.filter(kind="ROLE_CHANGED", account_id=team.account.id)) == 1


# -- Locks -----------------------------------------------------------------------------------


async def test_unlocking_lifts_the_code_and_password_locks(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    enrolled = await enroll(gql, await session_for(team.basic, clock), clock)
    clock.advance(timedelta(minutes=1))
    start = clock.now()
    assert (await node(gql, admin, team.basic))["lockedUntil"] is None

    challenge = (await gql.login(team.basic.email))["challengeToken"]
    for _ in range(5):
        await verify(gql, challenge, "000000")
    code_lock = start + timedelta(seconds=30)
    assert (await node(gql, admin, team.basic))["lockedUntil"] == code_lock.isoformat()
    clock.advance(timedelta(seconds=10))
    for _ in range(5):
        assert codes(await gql.login(team.basic.email, WRONG)) == [("INVALID_CREDENTIALS", None)]
    password_lock = clock.now() + timedelta(seconds=30)
    # The later of the two.
    assert (await node(gql, admin, team.basic))["lockedUntil"] == password_lock.isoformat()
    assert codes(await gql.login(team.basic.email)) == [("TOO_MANY_ATTEMPTS", None)]

    payload = await run(gql, UNLOCK, admin, id=gid(team.basic))
    assert payload["userErrors"] == [] and payload["operator"]["lockedUntil"] is None
    assert await details_of("OPERATOR_UNLOCKED", team.basic) == [
        {"lockedUntil": password_lock.isoformat()}
    ]
    # The right password and code are accepted at once; nothing is left counted.
    login = await gql.login(team.basic.email)
    assert login["outcome"] == "TWO_FACTOR_CODE_REQUIRED"
    clock.advance(timedelta(seconds=20))
    verified = await verify(gql, login["challengeToken"], totp_code(enrolled.secret, clock.now()))
    assert verified["userErrors"] == [] and verified["sessionToken"]
    # The client address's own count (all emails typed from it) is not the operator's.
    assert (await Throttle.get(key=address_key("127.0.0.1"))).failures > 0
    # Unlocking an operator without locks is fine too.
    assert (await run(gql, UNLOCK, admin, id=gid(team.basic)))["userErrors"] == []
    assert (await details_of("OPERATOR_UNLOCKED", team.basic))[-1] == {"lockedUntil": None}


async def test_locked_until_covers_reauthentication_email_wide_and_pair_locks(
    app: Starlette, gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    basic = await session_for(team.basic, clock)

    async def locked_until() -> Any:
        return (await node(gql, admin, team.basic))["lockedUntil"]

    for n in range(5):
        await run(gql, REAUTHENTICATE, basic, password=f"wrong guess {n}")
    assert await locked_until() == (clock.now() + timedelta(seconds=30)).isoformat()

    # Failures from five addresses lock the email for every address.
    clock.advance(timedelta(seconds=20))
    for address in ATTACKERS[:5]:
        await login_from(app, address, team.basic.email)
    email_lock = clock.now() + timedelta(seconds=30)
    assert await locked_until() == email_lock.isoformat()
    assert (await run(gql, UNLOCK, admin, id=gid(team.basic)))["userErrors"] == []
    assert await locked_until() is None
    assert (await login_from(app, OWNER, team.basic.email, PASSWORD))["outcome"] == "AUTHENTICATED"

    # A lock on one (email, address) pair shows, though it keeps out only that address.
    async with from_address(app, ATTACKERS[0]) as attacker:
        for _ in range(5):
            await attacker.login(team.basic.email, WRONG)
    pair_lock = clock.now() + timedelta(seconds=30)
    assert await locked_until() == pair_lock.isoformat()
    assert (await login_from(app, OWNER, team.basic.email, PASSWORD))["outcome"] == "AUTHENTICATED"
    # A lock that ran out is no lock.
    clock.advance(timedelta(seconds=30))
    assert await locked_until() is None


async def test_another_accounts_invitee_with_the_same_email_neither_sees_nor_lifts_its_locks(
    app: Starlette, gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """An invitation reserves nothing, so another account may invite a locked email: the
    locks of that email belong to the active operator who logs in with it."""
    team = await make_team(hasher, clock)
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    outsider = await session_for(other.admin, clock)
    invitee = await add_operator(
        other.account, team.basic.email, hasher, clock, status=OperatorStatus.INVITED
    )
    async with from_address(app, ATTACKERS[0]) as attacker:
        for _ in range(5):
            await attacker.login(team.basic.email, WRONG)
        lock = (clock.now() + timedelta(seconds=30)).isoformat()
        assert (await node(gql, outsider, invitee))["lockedUntil"] is None
        assert (await run(gql, UNLOCK, outsider, id=gid(invitee)))["userErrors"] == []
        assert (await attacker.login(team.basic.email, PASSWORD))["userErrors"][0][
            "lockedUntil"
        ] == lock
    admin = await session_for(team.admin, clock)
    assert (await node(gql, admin, team.basic))["lockedUntil"] == lock
    # Deactivated, the operator no longer owns the email's locks either.
    assert (await run(gql, DEACTIVATE, admin, id=gid(team.basic)))["userErrors"] == []
    assert (await node(gql, admin, team.basic))["lockedUntil"] is None


async def test_locked_until_costs_one_statement_for_a_page_of_any_size(
    app: Starlette, gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    await stop_senders(app)  # only the request's statements are counted
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    page = "{ viewer { account { operators(first: 100) { edges { node { email %s } } } } } }"

    async def statements(fields: str) -> int:
        with StatementCounter() as counter:
            data = await gql.data(page % fields, token=admin)
        assert data["viewer"]["account"]["operators"]["edges"]
        return len(counter.statements)

    for n in range(8):
        await add_operator(team.account, f"op{n}@acme.example", hasher, clock)
    small = await statements("lockedUntil")
    await Operator.bulk_create(
        [
            Operator(
                account_id=team.account.id,
                email=f"x{n}@acme.example",
                email_key=f"x{n}@acme.example",
                email_folded=f"x{n}@acme.example",
                name="X",
                name_key="x",
                role=OperatorRole.BASIC,
                status="ACTIVE",
                created_at=clock.now(),
            )
            for n in range(90)
        ]
    )
    for _ in range(5):
        await gql.login("x7@acme.example", WRONG)
    large = await statements("lockedUntil")
    assert small == large == await statements("") + 1
    data = await gql.data(page % "lockedUntil", token=admin)
    locked = {
        edge["node"]["email"]: edge["node"]["lockedUntil"]
        for edge in data["viewer"]["account"]["operators"]["edges"]
        if edge["node"]["lockedUntil"]
    }
    assert locked == {"x7@acme.example": (clock.now() + timedelta(seconds=30)).isoformat()}


# -- Who may: administrators of the account, recently authenticated --------------------------


@pytest.mark.parametrize("mutation", sorted(BY_ID))
async def test_an_operator_of_another_account_is_not_found(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, mutation: str
) -> None:
    team = await make_team(hasher, clock)
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    outsider = await session_for(other.admin, clock)
    foreign = await run(gql, BY_ID[mutation], outsider, id=gid(team.admin))
    missing = await run(gql, BY_ID[mutation], outsider, id=encode_id("Operator", 999_999))
    assert foreign == missing
    assert foreign["operator"] is None
    assert codes(foreign) == [("NOT_FOUND", ["input", "operatorId"])]
    stored = await Operator.get(id=team.admin.id)
    assert (stored.status, stored.role) == (OperatorStatus.ACTIVE, OperatorRole.ADMINISTRATOR)
    assert not await AuditEvent.filter(actor_id=other.admin.id).exclude(kind="LOGIN_SUCCEEDED")


@pytest.mark.parametrize("mutation", sorted(BY_ID))
async def test_only_administrators_may(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, mutation: str
) -> None:
    team = await make_team(hasher, clock)
    basic = await session_for(team.basic, clock)
    for token, code in ((basic, "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        body = await gql.execute(BY_ID[mutation], {"id": gid(team.admin)}, token=token)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == code
    assert not await AuditEvent.filter(actor_id=team.basic.id).exclude(kind="LOGIN_SUCCEEDED")


@pytest.mark.parametrize("mutation", sorted(BY_ID))
async def test_each_needs_a_recent_authentication(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, mutation: str
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    if mutation == "reactivateOperator":
        assert (await run(gql, DEACTIVATE, admin, id=gid(team.basic)))["userErrors"] == []
    before = await Operator.get(id=team.basic.id)
    clock.advance(WINDOW)
    stale = await run(gql, BY_ID[mutation], admin, id=gid(team.basic))
    assert stale["operator"] is None
    assert codes(stale) == [("REAUTHENTICATION_REQUIRED", None)]
    after = await Operator.get(id=team.basic.id)
    assert (after.status, after.role, after.email_key) == (
        before.status,
        before.role,
        before.email_key,
    )
    assert (await run(gql, REAUTHENTICATE, admin, password=PASSWORD))["userErrors"] == []
    fresh = await run(gql, BY_ID[mutation], admin, id=gid(team.basic))
    assert fresh["userErrors"] == [] and fresh["operator"]["id"] == gid(team.basic)


async def test_text_that_is_no_address_never_finds_a_placeholder_key(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    await gql.data(DEACTIVATE, {"id": gid(team.basic)}, token=admin)
    placeholder = (await Operator.get(id=team.basic.id)).email_key
    assert placeholder.startswith("#")
    for typed in (placeholder, placeholder.upper()):
        refused = await gql.login(typed)
        assert refused["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
        assert refused["sessionToken"] is None
