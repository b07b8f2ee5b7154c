"""Recovery codes are cheap to check and to make, and codes of the old argon2 form still work."""

from __future__ import annotations

import asyncio
import time

from models import RecoveryCode, Session
from services.auth import recovery_codes
from services.machinery.clock import FrozenClock
from services.machinery.encryption import SecretBox, generate_key
from tests.support import (
    CountingHasher,
    Enrolled,
    GraphQLClient,
    Team,
    enroll,
    make_team,
    session_for,
    verify,
)


async def enrolled_basic(
    gql: GraphQLClient, hasher: CountingHasher, clock: FrozenClock
) -> tuple[Team, Enrolled]:
    team = await make_team(hasher, clock)
    enrolled = await enroll(gql, await session_for(team.basic, clock), clock)
    return team, enrolled


async def test_a_wrong_recovery_code_costs_no_argon2_verification(
    gql: GraphQLClient, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team, _ = await enrolled_basic(gql, hasher, clock)
    challenge = (await gql.login(team.basic.email))["challengeToken"]
    before = hasher.verifications
    wrong = await verify(gql, challenge, recovery_codes.new_code())
    assert wrong["userErrors"][0]["code"] == "INVALID_CODE"
    assert hasher.verifications == before


async def test_a_right_recovery_code_costs_no_argon2_verification_and_works_once(
    gql: GraphQLClient, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team, enrolled = await enrolled_basic(gql, hasher, clock)
    challenges = [(await gql.login(team.basic.email))["challengeToken"] for _ in range(2)]
    before = hasher.verifications
    first = await verify(gql, challenges[0], enrolled.recovery_codes[9])
    assert first["userErrors"] == [] and first["sessionToken"]
    assert hasher.verifications == before
    again = await verify(gql, challenges[1], enrolled.recovery_codes[9])
    assert again["userErrors"][0]["code"] == "INVALID_CODE"


async def test_one_recovery_code_used_twice_at_once_has_one_winner(
    gql: GraphQLClient, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team, enrolled = await enrolled_basic(gql, hasher, clock)
    challenges = [(await gql.login(team.basic.email))["challengeToken"] for _ in range(2)]
    sessions_before = await Session.filter(operator_id=team.basic.id).count()
    code = enrolled.recovery_codes[0]
    payloads = await asyncio.gather(*(verify(gql, challenge, code) for challenge in challenges))
    assert [bool(p["sessionToken"]) for p in payloads].count(True) == 1
    assert await Session.filter(operator_id=team.basic.id).count() == sessions_before + 1
    assert await RecoveryCode.filter(operator_id=team.basic.id, used_at__isnull=True).count() == 9


async def test_codes_stored_as_argon2_hashes_before_sealing_still_work_once(
    gql: GraphQLClient, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team, _ = await enrolled_basic(gql, hasher, clock)
    old_codes = [recovery_codes.new_code() for _ in range(3)]
    await RecoveryCode.filter(operator_id=team.basic.id).delete()
    for code in old_codes:  # as the previous release stored them
        hashed = await hasher.hash(recovery_codes.normalize(code) or "")
        await RecoveryCode.create(operator_id=team.basic.id, code_hash=hashed)
    challenges = [(await gql.login(team.basic.email))["challengeToken"] for _ in range(3)]
    ok = await verify(gql, challenges[0], old_codes[1])
    assert ok["userErrors"] == [] and ok["sessionToken"]
    reuse = await verify(gql, challenges[1], old_codes[1])
    assert reuse["userErrors"][0]["code"] == "INVALID_CODE"
    other = await verify(gql, challenges[2], old_codes[2])
    assert other["sessionToken"]


def test_generating_ten_codes_takes_milliseconds_and_checking_one_well_under_ten() -> None:
    box = SecretBox([generate_key()])
    started = time.perf_counter()
    codes, sealed = asyncio.run(recovery_codes.generate(box))
    generating = time.perf_counter() - started
    assert len(codes) == len(set(codes)) == len(sealed) == recovery_codes.COUNT
    assert generating < 0.05
    started = time.perf_counter()
    results = [recovery_codes.matches(box, value, "wrongwrong") for value in sealed]
    checking = time.perf_counter() - started
    assert not any(results) and checking < 0.01
    canonical = recovery_codes.normalize(codes[4]) or ""
    assert [recovery_codes.matches(box, value, canonical) for value in sealed].count(True) == 1
    # Sealed under another key, or tampered with, a code matches nothing.
    assert not recovery_codes.matches(SecretBox([generate_key()]), sealed[4], canonical)
    assert not recovery_codes.matches(box, sealed[4][:-4] + "AAAA", canonical)
