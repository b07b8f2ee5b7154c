"""The administrator's reset and the operator's own disable."""

from __future__ import annotations

from datetime import timedelta

from models import AuditEvent, Authenticator, OneTimeToken, Operator, RecoveryCode, TwoFactorMode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
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
    set_default,
    totp_code,
    verify,
)

RESET = """mutation ($id: ID!) { resetOperatorTwoFactor(input: {operatorId: $id}) {
  operator { email recoveryCodesRemaining effectiveTwoFactorPolicy { state setupRequired } }
  userErrors { code field } } }"""
DISABLE = """mutation ($code: String!) { disableTwoFactor(input: {code: $code}) {
  operator { effectiveTwoFactorPolicy { state } } userErrors { code field message } } }"""
VIEWER = "{ viewer { email } }"


async def test_reset_removes_everything_and_required_login_sends_setup_again(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    basic_session = await session_for(team.basic, clock)
    await enroll(gql, basic_session, clock)
    await set_default(team, TwoFactorMode.REQUIRED)
    challenge = (await gql.login(team.basic.email))["challengeToken"]
    admin = await session_for(team.admin, clock)

    data = await gql.data(RESET, {"id": gid(team.basic)}, token=admin)
    payload = data["resetOperatorTwoFactor"]
    assert payload["userErrors"] == []
    assert payload["operator"]["recoveryCodesRemaining"] == 0
    assert payload["operator"]["effectiveTwoFactorPolicy"] == {
        "state": "NOT_CONFIGURED",
        "setupRequired": True,
    }
    assert not await Authenticator.filter(operator_id=team.basic.id).exists()
    assert not await RecoveryCode.filter(operator_id=team.basic.id).exists()
    assert (await gql.data(VIEWER, token=basic_session))["viewer"] is None  # sessions revoked
    assert (await verify(gql, challenge, "123456"))["userErrors"][0]["code"] == "TOKEN_INVALID"
    assert (await gql.login(team.basic.email))["outcome"] == "TWO_FACTOR_SETUP_EMAIL_SENT"
    event = await AuditEvent.get(kind="TWO_FACTOR_RESET")
    assert (event.actor_id, event.target_id) == (team.admin.id, team.basic.id)


async def test_reset_follows_the_authorization_rules(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    other = await make_team(hasher, clock, name="Other", domain="other.example")
    await enroll(gql, await session_for(other.basic, clock), clock)
    admin = await session_for(team.admin, clock)
    foreign = await gql.data(RESET, {"id": gid(other.basic)}, token=admin)
    assert foreign["resetOperatorTwoFactor"]["userErrors"] == [
        {"code": "NOT_FOUND", "field": ["input", "operatorId"]}
    ]
    assert await Authenticator.filter(operator_id=other.basic.id).exists()
    basic = await gql.execute(
        RESET, {"id": gid(team.admin)}, token=await session_for(team.basic, clock)
    )
    assert basic["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await gql.execute(RESET, {"id": gid(team.admin)})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_operator_disables_their_own_two_factor_under_optional(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    enrolled = await enroll(gql, token, clock)
    clock.advance(timedelta(seconds=60))
    wrong = await gql.data(DISABLE, {"code": "000000"}, token=token)
    assert wrong["disableTwoFactor"]["userErrors"][0]["code"] == "INVALID_CODE"
    assert await Authenticator.filter(operator_id=team.basic.id).exists()
    ok = await gql.data(DISABLE, {"code": totp_code(enrolled.secret, clock.now())}, token=token)
    assert ok["disableTwoFactor"] == {
        "operator": {"effectiveTwoFactorPolicy": {"state": "NOT_CONFIGURED"}},
        "userErrors": [],
    }
    assert not await RecoveryCode.filter(operator_id=team.basic.id).exists()
    assert (await gql.login(team.basic.email))["outcome"] == "AUTHENTICATED"
    assert await AuditEvent.filter(kind="TWO_FACTOR_DISABLED", actor_id=team.basic.id).exists()
    nothing = await gql.data(DISABLE, {"code": "123456"}, token=token)
    assert nothing["disableTwoFactor"]["userErrors"][0]["code"] == "NOT_CONFIGURED"


async def test_disable_is_refused_under_required(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    enrolled = await enroll(gql, token, clock)
    await set_default(team, TwoFactorMode.REQUIRED)
    clock.advance(timedelta(seconds=60))
    data = await gql.data(DISABLE, {"code": totp_code(enrolled.secret, clock.now())}, token=token)
    assert data["disableTwoFactor"]["userErrors"][0]["code"] == "NOT_ALLOWED_BY_POLICY"
    assert await Authenticator.filter(
        operator_id=team.basic.id, confirmed_at__isnull=False
    ).exists()
    anonymous = await gql.execute(DISABLE, {"code": "123456"})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_resetting_an_operator_with_nothing_set_up_is_refused_and_changes_nothing(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, deliver: Delivery
) -> None:
    """Nothing is written, audited or emailed: in particular their grace period, sessions
    and setup link stay. Once they have started an enrollment there is something to reset."""
    team = await make_team(hasher, clock)
    await set_default(team, TwoFactorMode.REQUIRED)
    team.account.two_factor_grace_period_hours = 24
    await team.account.save(update_fields=["two_factor_grace_period_hours"])
    await Operator.filter(id=team.basic.id).update(two_factor_required_since=clock.now())
    basic_session = await gql.session(team.basic.email)  # in grace: a session, and a link
    [setup_mail] = await deliver()
    admin = await session_for(team.admin, clock)
    clock.advance(timedelta(hours=1))
    policy = "{ viewer { effectiveTwoFactorPolicy { state setupDeadline } } }"
    before = (await gql.data(policy, token=basic_session))["viewer"]
    assert before["effectiveTwoFactorPolicy"]["state"] == "NOT_CONFIGURED"
    rows_before = (await AuditEvent.all().count(), await OneTimeToken.all().count())

    data = await gql.data(RESET, {"id": gid(team.basic)}, token=admin)
    assert data["resetOperatorTwoFactor"] == {
        "operator": None,
        "userErrors": [{"code": "NOT_CONFIGURED", "field": ["input", "operatorId"]}],
    }
    assert await deliver() == [setup_mail]  # the outbox is driven: nothing new was queued
    assert (await AuditEvent.all().count(), await OneTimeToken.all().count()) == rows_before
    assert not await AuditEvent.filter(kind="TWO_FACTOR_RESET").exists()
    assert (await gql.data(policy, token=basic_session))["viewer"] == before  # grace kept
    stored = await Operator.get(id=team.basic.id)
    assert stored.two_factor_required_since == START

    # The link starts an enrollment: now the reset has something to remove, and does.
    setup = link_token(setup_mail, f"{PUBLIC_URL}/two-factor/setup")
    started = await gql.data(START_ENROLLMENT, {"setupToken": setup})
    assert started["startTwoFactorEnrollment"]["userErrors"] == []
    data = await gql.data(RESET, {"id": gid(team.basic)}, token=admin)
    assert data["resetOperatorTwoFactor"]["userErrors"] == []
    assert not await Authenticator.filter(operator_id=team.basic.id).exists()
    assert [m["Subject"] for m in await deliver()] == [
        setup_mail["Subject"],
        "Your two-factor authentication was reset",
    ]
    # ... and ends their grace period: the next login sends the setup email, no session.
    assert (await gql.data(VIEWER, token=basic_session))["viewer"] is None
    assert (await gql.login(team.basic.email))["outcome"] == "TWO_FACTOR_SETUP_EMAIL_SENT"
