"""A session that stopped satisfying its operator's policy is ended for good: relaxing the
policy, or granting a grace period later, never brings it back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from models import Operator
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.sessions import AuthenticationMethod
from tests.support import (
    START_ENROLLMENT,
    GraphQLClient,
    Team,
    enroll,
    gid,
    make_team,
    session_for,
)

PASSWORD_ONLY = [AuthenticationMethod.PASSWORD]
VIEWER = "{ viewer { email } }"
SET_DEFAULT = """mutation ($mode: TwoFactorMode!, $grace: Int) {
  setAccountTwoFactorDefault(input: {mode: $mode, gracePeriodHours: $grace}) {
    userErrors { code } } }"""
SET_OVERRIDE = """mutation ($id: ID!, $mode: TwoFactorMode!) {
  setOperatorTwoFactorOverride(input: {operatorId: $id, mode: $mode}) { userErrors { code } } }"""
CLEAR_OVERRIDE = """mutation ($id: ID!) {
  clearOperatorTwoFactorOverride(input: {operatorId: $id}) { userErrors { code } } }"""
RESET = """mutation ($id: ID!) {
  resetOperatorTwoFactor(input: {operatorId: $id}) { userErrors { code } } }"""


async def ok(gql: GraphQLClient, document: str, token: str, **variables: Any) -> None:
    """Run a mutation that must succeed."""
    data = await gql.data(document, variables, token=token)
    assert next(iter(data.values()))["userErrors"] == [], data


async def alive(gql: GraphQLClient, token: str) -> bool:
    """Whether the token's session is still accepted."""
    return (await gql.data(VIEWER, token=token))["viewer"] is not None


async def scene(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> tuple[Team, str, str]:
    """An account, its administrator's two-factor session (2FA set up, so that they may
    require it) and a password-only session of its basic operator."""
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    await enroll(gql, admin, clock)
    basic = await session_for(team.basic, clock, methods=PASSWORD_ONLY)
    return team, admin, basic


async def test_relaxing_the_account_default_does_not_bring_a_session_back(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    _, admin, basic = await scene(gql, hasher, clock)
    await ok(gql, SET_DEFAULT, admin, mode="REQUIRED")
    assert not await alive(gql, basic)
    await ok(gql, SET_DEFAULT, admin, mode="OPTIONAL")
    assert not await alive(gql, basic)
    # Nor does a grace period granted afterwards.
    await ok(gql, SET_DEFAULT, admin, mode="REQUIRED", grace=72)
    assert not await alive(gql, basic)


async def test_clearing_an_override_does_not_bring_a_session_back(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, admin, basic = await scene(gql, hasher, clock)
    await ok(gql, SET_OVERRIDE, admin, id=gid(team.basic), mode="REQUIRED")
    assert not await alive(gql, basic)
    await ok(gql, CLEAR_OVERRIDE, admin, id=gid(team.basic))
    assert not await alive(gql, basic)
    await ok(gql, SET_OVERRIDE, admin, id=gid(team.basic), mode="DISABLED")
    assert not await alive(gql, basic)


async def test_a_session_whose_grace_ran_out_stays_ended_when_the_grace_is_extended(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, admin, basic = await scene(gql, hasher, clock)
    await ok(gql, SET_DEFAULT, admin, mode="REQUIRED", grace=1)
    assert await alive(gql, basic)  # inside the grace period
    clock.advance(timedelta(hours=2))
    assert not await alive(gql, basic)  # the grace period ran out, unnoticed by any write
    admin = await session_for(team.admin, clock)  # past the first one's sudo window
    # Six hours, counted from the same start: the deadline lies ahead again, but the
    # session ended when the first one passed.
    await ok(gql, SET_DEFAULT, admin, mode="REQUIRED", grace=6)
    assert not await alive(gql, basic)
    await ok(gql, SET_DEFAULT, admin, mode="OPTIONAL")
    assert not await alive(gql, basic)


async def test_an_override_change_ends_a_lapsed_session_of_that_operator_for_good(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, admin, basic = await scene(gql, hasher, clock)
    await ok(gql, SET_DEFAULT, admin, mode="REQUIRED", grace=1)
    clock.advance(timedelta(hours=2))
    assert not await alive(gql, basic)
    admin = await session_for(team.admin, clock)  # past the first one's sudo window
    await ok(gql, SET_OVERRIDE, admin, id=gid(team.basic), mode="OPTIONAL")
    assert not await alive(gql, basic)


async def test_a_session_inside_its_grace_period_survives_policy_changes(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, admin, basic = await scene(gql, hasher, clock)
    await ok(gql, SET_DEFAULT, admin, mode="REQUIRED", grace=24)
    clock.advance(timedelta(hours=1))
    await ok(gql, SET_DEFAULT, admin, mode="REQUIRED", grace=48)
    await ok(gql, SET_DEFAULT, admin, mode="OPTIONAL")
    assert await alive(gql, basic)
    assert (
        await Operator.get(id=team.basic.id).values_list("two_factor_required_since", flat=True)
        is None
    )


async def test_a_reset_ends_the_sessions_for_good(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, admin, basic = await scene(gql, hasher, clock)
    # Something to reset: an enrollment started from a session that proved the mailbox.
    mailbox = await session_for(team.basic, clock, methods=[AuthenticationMethod.INVITATION])
    started = await gql.data(START_ENROLLMENT, token=mailbox)
    assert started["startTwoFactorEnrollment"]["userErrors"] == []
    await ok(gql, RESET, admin, id=gid(team.basic))
    assert not await alive(gql, basic)
    await ok(gql, SET_DEFAULT, admin, mode="DISABLED")
    assert not await alive(gql, basic)
