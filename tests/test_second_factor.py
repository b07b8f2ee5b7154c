"""Login with a second factor: window, replay, recovery codes, concurrency."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from models import AuditEvent, Session
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.support import (
    Enrolled,
    GraphQLClient,
    Team,
    enroll,
    make_team,
    session_for,
    totp_code,
    verify,
)

STEP = timedelta(seconds=30)


async def enrolled_basic(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> tuple[Team, Enrolled]:
    team = await make_team(hasher, clock)
    enrolled = await enroll(gql, await session_for(team.basic, clock), clock)
    clock.advance(STEP * 10)  # well past the step used to confirm
    return team, enrolled


@pytest.mark.parametrize(
    ("offset", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)]
)
async def test_codes_one_step_either_side_are_accepted(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, offset: int, accepted: bool
) -> None:
    team, enrolled = await enrolled_basic(gql, hasher, clock)
    challenge = (await gql.login(team.basic.email))["challengeToken"]
    payload = await verify(gql, challenge, totp_code(enrolled.secret, clock.now() + offset * STEP))
    if accepted:
        assert payload["userErrors"] == [] and payload["sessionToken"]
    else:
        assert payload["userErrors"][0]["code"] == "INVALID_CODE"
        assert payload["sessionToken"] is None


async def test_a_code_works_once_and_older_codes_never_after_a_newer_one(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, enrolled = await enrolled_basic(gql, hasher, clock)
    code = totp_code(enrolled.secret, clock.now())
    first = await verify(gql, (await gql.login(team.basic.email))["challengeToken"], code)
    assert first["sessionToken"]
    second = await verify(gql, (await gql.login(team.basic.email))["challengeToken"], code)
    assert second["userErrors"][0]["code"] == "CODE_ALREADY_USED"
    # The previous step's code is still inside the window but older than the used step.
    older = totp_code(enrolled.secret, clock.now() - STEP)
    third = await verify(gql, (await gql.login(team.basic.email))["challengeToken"], older)
    assert third["userErrors"][0]["code"] == "CODE_ALREADY_USED"


async def test_challenge_expires_after_five_minutes(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, enrolled = await enrolled_basic(gql, hasher, clock)
    challenge = (await gql.login(team.basic.email))["challengeToken"]
    clock.advance(timedelta(minutes=5))
    payload = await verify(gql, challenge, totp_code(enrolled.secret, clock.now()))
    assert payload["userErrors"][0]["code"] == "TOKEN_EXPIRED"


async def test_recovery_code_works_once_instead_of_a_totp_code(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, enrolled = await enrolled_basic(gql, hasher, clock)
    code = enrolled.recovery_codes[3]
    typed = code.upper().replace("-", " ")  # people type codes loosely
    payload = await verify(gql, (await gql.login(team.basic.email))["challengeToken"], typed)
    assert payload["userErrors"] == [] and payload["sessionToken"]
    remaining = await gql.data(
        "{ viewer { recoveryCodesRemaining } }", token=payload["sessionToken"]
    )
    assert remaining["viewer"]["recoveryCodesRemaining"] == 9
    reuse = await verify(gql, (await gql.login(team.basic.email))["challengeToken"], code)
    assert reuse["userErrors"][0]["code"] == "INVALID_CODE"
    event = await AuditEvent.get(kind="RECOVERY_CODE_USED")
    assert event.target_id == team.basic.id


async def test_regenerating_recovery_codes_needs_a_code_and_kills_the_old_ones(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, enrolled = await enrolled_basic(gql, hasher, clock)
    token = await session_for(team.basic, clock)
    regenerate = """mutation ($code: String!) { regenerateRecoveryCodes(input: {code: $code}) {
        recoveryCodes operator { recoveryCodesRemaining } userErrors { code } } }"""
    wrong = (await gql.data(regenerate, {"code": "000000"}, token=token))["regenerateRecoveryCodes"]
    assert wrong["userErrors"][0]["code"] == "INVALID_CODE" and wrong["recoveryCodes"] is None
    ok = (
        await gql.data(regenerate, {"code": totp_code(enrolled.secret, clock.now())}, token=token)
    )["regenerateRecoveryCodes"]
    assert ok["userErrors"] == [] and len(ok["recoveryCodes"]) == 10
    assert ok["operator"]["recoveryCodesRemaining"] == 10
    assert set(ok["recoveryCodes"]).isdisjoint(enrolled.recovery_codes)
    old = await verify(
        gql, (await gql.login(team.basic.email))["challengeToken"], enrolled.recovery_codes[0]
    )
    assert old["userErrors"][0]["code"] == "INVALID_CODE"
    new = await verify(
        gql, (await gql.login(team.basic.email))["challengeToken"], ok["recoveryCodes"][0]
    )
    assert new["sessionToken"]


async def test_concurrent_verifications_of_one_code_have_exactly_one_winner(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, enrolled = await enrolled_basic(gql, hasher, clock)
    challenges = [(await gql.login(team.basic.email))["challengeToken"] for _ in range(12)]
    sessions_before = await Session.filter(operator_id=team.basic.id).count()
    code = totp_code(enrolled.secret, clock.now())
    payloads = await asyncio.gather(*(verify(gql, challenge, code) for challenge in challenges))
    winners = [p for p in payloads if p["sessionToken"]]
    assert len(winners) == 1
    losers = {p["userErrors"][0]["code"] for p in payloads if not p["sessionToken"]}
    assert losers <= {"CODE_ALREADY_USED", "TOO_MANY_ATTEMPTS"}
    assert await Session.filter(operator_id=team.basic.id).count() == sessions_before + 1


async def test_one_challenge_gives_one_session_and_spends_only_the_winning_code(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """A TOTP code and a recovery code race for one challenge: the loser spends nothing."""
    team, enrolled = await enrolled_basic(gql, hasher, clock)
    challenge = (await gql.login(team.basic.email))["challengeToken"]
    sessions_before = await Session.filter(operator_id=team.basic.id).count()
    totp, recovery = totp_code(enrolled.secret, clock.now()), enrolled.recovery_codes[0]
    by_totp, by_recovery = await asyncio.gather(
        verify(gql, challenge, totp), verify(gql, challenge, recovery)
    )
    assert [bool(by_totp["sessionToken"]), bool(by_recovery["sessionToken"])].count(True) == 1
    loser = by_recovery if by_totp["sessionToken"] else by_totp
    assert loser["userErrors"][0]["code"] == "TOKEN_INVALID"
    assert await Session.filter(operator_id=team.basic.id).count() == sessions_before + 1
    recovery_spent = bool(by_recovery["sessionToken"])
    used = await AuditEvent.filter(kind="RECOVERY_CODE_USED", target_id=team.basic.id).count()
    assert used == int(recovery_spent)
    # The loser's code is still good: a TOTP step that lost was not recorded, a recovery
    # code that lost was not spent.
    loser_code = recovery if by_totp["sessionToken"] else totp
    retry = await verify(gql, (await gql.login(team.basic.email))["challengeToken"], loser_code)
    assert retry["userErrors"] == [] and retry["sessionToken"]
