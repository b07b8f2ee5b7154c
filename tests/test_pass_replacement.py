"""A temporary access pass replaces a lost factor once: its power is spent by the new one."""

from __future__ import annotations

from models import Account, AuditEvent, Authenticator, RecoveryCode, TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.sessions import AuthenticationMethod
from tests.passkey_authenticator import SoftwareAuthenticator
from tests.passkey_support import REMOVE_PASSKEY, STATE, passkey_only, register
from tests.support import (
    START_ENROLLMENT,
    Delivery,
    GraphQLClient,
    Team,
    enroll,
    gid,
    make_team,
    session_for,
    verify,
)

ISSUE = """mutation ($id: ID!) { issueTemporaryAccessPass(input: {operatorId: $id}) { pass } }"""
METHODS = "{ viewerSession { authenticationMethods } }"


async def pass_session(gql: GraphQLClient, team: Team, clock: FrozenClock) -> str:
    """Issue a pass to the basic operator and log in with it; return the session token."""
    admin = await session_for(team.admin, clock)
    issued = await gql.data(ISSUE, {"id": gid(team.basic)}, token=admin)
    challenge = (await gql.login(team.basic.email))["challengeToken"]
    pass_ = issued["issueTemporaryAccessPass"]["pass"]
    token: str = (await verify(gql, challenge, pass_))["sessionToken"]
    assert token
    return token


async def test_a_pass_session_replaces_the_factor_only_once(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.OPTIONAL)
    await enroll(gql, await session_for(team.basic, clock), clock)
    session = await pass_session(gql, team, clock)
    replaced = await enroll(gql, session, clock)
    methods = (await gql.data(METHODS, token=session))["viewerSession"]["authenticationMethods"]
    assert methods == ["PASSWORD", "TOTP"]  # the pass is spent, the new factor stays

    again = (await gql.data(START_ENROLLMENT, token=session))["startTwoFactorEnrollment"]
    assert [e["code"] for e in again["userErrors"]] == ["ALREADY_CONFIGURED"]
    kept = await Authenticator.get(operator_id=team.basic.id, confirmed_at__isnull=False)
    assert kept.confirmed_at is not None
    assert await RecoveryCode.filter(operator_id=team.basic.id).count() == len(
        replaced.recovery_codes
    )
    assert await AuditEvent.filter(kind="ENROLLMENT_STARTED", target_id=team.basic.id).count() == 2


async def test_a_passkey_registered_from_a_pass_session_spends_the_pass(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.OPTIONAL)
    await enroll(gql, await session_for(team.basic, clock), clock)
    session = await pass_session(gql, team, clock)
    await register(gql, SoftwareAuthenticator(), token=session)
    methods = (await gql.data(METHODS, token=session))["viewerSession"]["authenticationMethods"]
    assert AuthenticationMethod.TEMPORARY_ACCESS_PASS.name not in methods
    assert "PASSKEY" in methods
    again = (await gql.data(START_ENROLLMENT, token=session))["startTwoFactorEnrollment"]
    assert [e["code"] for e in again["userErrors"]] == ["ALREADY_CONFIGURED"]
    assert await Authenticator.exists(operator_id=team.basic.id, confirmed_at__isnull=False)


async def test_an_abandoned_replacement_turns_two_factor_off_audited_and_emailed(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.OPTIONAL)
    await enroll(gql, await session_for(team.basic, clock), clock)
    session = await pass_session(gql, team, clock)
    before = len(await deliver())  # the enrollment's and the pass's emails
    started = (await gql.data(START_ENROLLMENT, token=session))["startTwoFactorEnrollment"]
    assert started["userErrors"] == []
    event = await AuditEvent.get(kind="TWO_FACTOR_DISABLED", target_id=team.basic.id)
    assert event.actor_id == team.basic.id
    assert event.details == {"replacedFromTemporaryAccessPass": True}
    [message] = (await deliver())[before:]
    assert message["To"] == team.basic.email
    assert message["Subject"] == "Two-factor authentication is off"


async def test_a_pass_session_cannot_turn_two_factor_off_by_removing_the_last_passkey(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock, default=TwoFactorMode.OPTIONAL)
    await passkey_only(gql, team.basic, clock, SoftwareAuthenticator())
    session = await pass_session(gql, team, clock)
    [passkey] = (await gql.data(STATE, token=session))["viewer"]["passkeys"]
    removed = await gql.data(REMOVE_PASSKEY, {"id": passkey["id"]}, token=session)
    assert [e["code"] for e in removed["removePasskey"]["userErrors"]] == [
        "REAUTHENTICATION_REQUIRED"
    ]
    state = (await gql.data(STATE, token=session))["viewer"]["effectiveTwoFactorPolicy"]
    assert state["state"] == "CONFIGURED"


async def test_a_lost_authenticator_replaced_beside_a_passkey_keeps_the_recovery_codes(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """The codes belong to every factor: they stay while a passkey does."""
    team = await make_team(hasher, clock, default=TwoFactorMode.OPTIONAL)
    own = await session_for(team.basic, clock)
    enrolled = await enroll(gql, own, clock)
    await register(gql, SoftwareAuthenticator(), token=own, name="Old key")
    await Account.filter(id=team.account.id).update(two_factor_default=TwoFactorMode.REQUIRED)
    session = await pass_session(gql, team, clock)
    started = (await gql.data(START_ENROLLMENT, token=session))["startTwoFactorEnrollment"]
    assert started["userErrors"] == []  # the lost phone is removed
    await register(gql, SoftwareAuthenticator(), token=session, name="New key")  # spends the pass

    unused = RecoveryCode.filter(operator_id=team.basic.id, used_at__isnull=True)
    assert await unused.count() == len(enrolled.recovery_codes)
    challenge = (await gql.login(team.basic.email))["challengeToken"]
    assert (await verify(gql, challenge, enrolled.recovery_codes[0]))["sessionToken"]
