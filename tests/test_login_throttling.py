"""Login throttling: reserved before hashing, locks per (email, address), email-wide only when
many addresses fail, counts that decay, and the same cost and answers for unknown emails."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from services.machinery.clock import FrozenClock
from services.machinery.throttle import (
    ADDRESS_FREE_FAILURES,
    EMAIL_WIDE_ADDRESSES,
    EMAIL_WIDE_WINDOW,
    FREE_ATTEMPTS,
    LONGEST_LOCK,
    QUIET_PERIOD,
)
from services.validation import MAX_PASSWORD_LENGTH
from tests.support import (
    ATTACKERS,
    OWNER,
    PASSWORD,
    WRONG,
    CountingHasher,
    GraphQLClient,
    from_address,
    login_from,
    make_team,
    session_for,
)

TRAVELLING = "192.0.2.77"
"""An address the owner has not logged in from before."""


def error_code(payload: dict[str, Any]) -> str:
    """The code of the payload's only user error."""
    [error] = payload["userErrors"]
    code: str = error["code"]
    return code


def locked_until(payload: dict[str, Any]) -> str:
    """The ``lockedUntil`` of a TOO_MANY_ATTEMPTS payload."""
    [error] = payload["userErrors"]
    assert error["code"] == "TOO_MANY_ATTEMPTS", payload
    until: str = error["lockedUntil"]
    return until


# -- The per-address reservation: taken before any hash -------------------------------------


async def test_a_parallel_burst_from_one_address_hashes_no_more_than_the_address_limit(
    gql: GraphQLClient, hasher: CountingHasher, clock: FrozenClock
) -> None:
    await make_team(hasher, clock)
    before = hasher.verifications
    answers = await asyncio.gather(*(gql.login(f"user{n}@acme.example", WRONG) for n in range(60)))
    assert hasher.verifications - before == ADDRESS_FREE_FAILURES == 20
    codes = [error_code(a) for a in answers]
    assert codes.count("INVALID_CREDENTIALS") == 20
    assert codes.count("TOO_MANY_ATTEMPTS") == 40
    expected = (clock.now() + timedelta(seconds=30)).isoformat()
    assert {locked_until(a) for a in answers if error_code(a) == "TOO_MANY_ATTEMPTS"} == {expected}


async def test_a_parallel_burst_against_one_email_hashes_no_more_than_its_limit(
    gql: GraphQLClient, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    before = hasher.verifications
    answers = await asyncio.gather(*(gql.login(team.basic.email, WRONG) for _ in range(60)))
    assert hasher.verifications - before == FREE_ATTEMPTS == 5
    assert [error_code(a) for a in answers].count("INVALID_CREDENTIALS") == 5


async def test_thirty_parallel_logins_from_one_address_hash_no_more_than_its_limit(
    gql: GraphQLClient, hasher: CountingHasher, clock: FrozenClock
) -> None:
    await make_team(hasher, clock)
    before = hasher.verifications
    answers = await asyncio.gather(*(gql.login(f"user{n}@acme.example", WRONG) for n in range(30)))
    assert hasher.verifications - before == 20
    codes = sorted(error_code(answer) for answer in answers)
    assert codes == ["INVALID_CREDENTIALS"] * 20 + ["TOO_MANY_ATTEMPTS"] * 10


async def test_a_success_gives_back_its_own_reservation_and_clears_no_failure(
    app: Starlette, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    async with from_address(app, ATTACKERS[0]) as gql:
        for n in range(ADDRESS_FREE_FAILURES - 1):
            assert (
                error_code(await gql.login(f"user{n}@acme.example", WRONG)) == "INVALID_CREDENTIALS"
            )
        # Logins to one's own account take nothing from the count, and reset nothing.
        for _ in range(3):
            assert (await gql.login(team.admin.email, PASSWORD))["outcome"] == "AUTHENTICATED"
        assert error_code(await gql.login("user99@acme.example", WRONG)) == "INVALID_CREDENTIALS"
        refused = await gql.login(team.admin.email, PASSWORD)
        assert locked_until(refused) == (clock.now() + timedelta(seconds=30)).isoformat()


async def test_a_login_refused_unhashed_is_not_counted_against_the_address(
    app: Starlette, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    async with from_address(app, ATTACKERS[0]) as gql:
        for _ in range(FREE_ATTEMPTS):
            await gql.login(team.basic.email, WRONG)
        before = hasher.verifications
        for _ in range(40):  # the (email, address) pair is locked: nothing is hashed
            assert error_code(await gql.login(team.basic.email, WRONG)) == "TOO_MANY_ATTEMPTS"
        assert hasher.verifications == before
        # So the address still has its other attempts.
        for n in range(ADDRESS_FREE_FAILURES - FREE_ATTEMPTS):
            assert (
                error_code(await gql.login(f"user{n}@acme.example", WRONG)) == "INVALID_CREDENTIALS"
            )
        assert error_code(await gql.login("one@too.many", WRONG)) == "TOO_MANY_ATTEMPTS"


async def test_requests_without_a_client_address_share_one_placeholder_address(
    app: Starlette, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)

    async def without_client(scope: Scope, receive: Receive, send: Send) -> None:
        await app({**scope, "client": None}, receive, send)

    async with from_address(without_client, "unused") as anonymous:
        for n in range(ADDRESS_FREE_FAILURES):
            assert error_code(await anonymous.login(f"user{n}@acme.example", WRONG)) == (
                "INVALID_CREDENTIALS"
            )
        before = hasher.verifications
        assert error_code(await anonymous.login(team.basic.email, PASSWORD)) == (
            "TOO_MANY_ATTEMPTS"
        )
        assert hasher.verifications == before
    assert (await login_from(app, OWNER, team.basic.email, PASSWORD))["outcome"] == (
        "AUTHENTICATED"
    )


# -- Locks per (email, address), and email-wide only when many addresses fail ---------------


async def test_an_attacker_locking_an_email_does_not_lock_its_owner_out(
    app: Starlette, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    async with from_address(app, ATTACKERS[0]) as attacker:
        for _ in range(12):  # five failures lock the attacker's address out of this email
            await attacker.login(team.basic.email, WRONG)
        assert error_code(await attacker.login(team.basic.email, PASSWORD)) == ("TOO_MANY_ATTEMPTS")
        assert (await login_from(app, OWNER, team.basic.email, PASSWORD))["outcome"] == (
            "AUTHENTICATED"
        )
        # The owner's success clears the owner's count, not the attacker's lock.
        assert error_code(await attacker.login(team.basic.email, PASSWORD)) == ("TOO_MANY_ATTEMPTS")


async def test_failures_from_five_addresses_lock_the_email_for_every_address(
    app: Starlette, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    for address in ATTACKERS[: EMAIL_WIDE_ADDRESSES - 1]:
        for _ in range(3):
            assert error_code(await login_from(app, address, team.basic.email)) == (
                "INVALID_CREDENTIALS"
            )
    # Four addresses are not enough: the owner gets in (and the owner's own attempt, which
    # counts as a fifth address while it runs, gives its email-wide lock back).
    assert (await login_from(app, OWNER, team.basic.email, PASSWORD))["outcome"] == (
        "AUTHENTICATED"
    )
    assert error_code(await login_from(app, ATTACKERS[4], team.basic.email)) == (
        "INVALID_CREDENTIALS"
    )
    # The fifth address locked the email for every address, except the one the owner just
    # logged in from: even the right password from elsewhere waits.
    travelling = await login_from(app, TRAVELLING, team.basic.email, PASSWORD)
    assert locked_until(travelling) == (clock.now() + timedelta(seconds=30)).isoformat()
    assert error_code(await login_from(app, ATTACKERS[9], team.basic.email)) == (
        "TOO_MANY_ATTEMPTS"
    )
    assert (await login_from(app, OWNER, team.basic.email, PASSWORD))["outcome"] == (
        "AUTHENTICATED"
    )
    # Other emails are not affected.
    assert (await login_from(app, OWNER, team.admin.email, PASSWORD))["outcome"] == (
        "AUTHENTICATED"
    )
    # Each further failure while many addresses fail doubles the email-wide lock.
    clock.advance(timedelta(seconds=30))
    assert error_code(await login_from(app, ATTACKERS[0], team.basic.email)) == (
        "INVALID_CREDENTIALS"
    )
    travelling = await login_from(app, TRAVELLING, team.basic.email, PASSWORD)
    assert locked_until(travelling) == (clock.now() + timedelta(seconds=60)).isoformat()
    # Once the failing addresses are older than the window, the email is open again.
    clock.advance(EMAIL_WIDE_WINDOW)
    assert (await login_from(app, TRAVELLING, team.basic.email, PASSWORD))["outcome"] == (
        "AUTHENTICATED"
    )


async def test_failures_from_five_addresses_spread_wider_than_the_window_lock_nothing(
    app: Starlette, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    for address in ATTACKERS[: EMAIL_WIDE_ADDRESSES - 1]:
        await login_from(app, address, team.basic.email)
    clock.advance(EMAIL_WIDE_WINDOW)
    for address in ATTACKERS[4:8]:
        await login_from(app, address, team.basic.email)
    assert (await login_from(app, OWNER, team.basic.email, PASSWORD))["outcome"] == (
        "AUTHENTICATED"
    )


async def test_an_unknown_email_is_answered_and_locked_exactly_like_a_known_one(
    app: Starlette, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)

    async def scenario(email: str) -> tuple[list[Any], int]:
        before = hasher.verifications
        answers = [await login_from(app, ATTACKERS[0], email) for _ in range(7)]
        answers += [await login_from(app, a, email) for a in ATTACKERS[1:EMAIL_WIDE_ADDRESSES]]
        answers.append(await login_from(app, OWNER, email, PASSWORD))
        answers.append(await login_from(app, OWNER, email, "x" * (MAX_PASSWORD_LENGTH + 1)))
        return answers, hasher.verifications - before

    known, known_cost = await scenario(team.basic.email)
    unknown, unknown_cost = await scenario("nobody@acme.example")
    assert unknown == known
    assert unknown_cost == known_cost == FREE_ATTEMPTS + EMAIL_WIDE_ADDRESSES - 1
    codes = [error_code(a) for a in known]
    assert codes == (
        ["INVALID_CREDENTIALS"] * 5
        + ["TOO_MANY_ATTEMPTS"] * 2
        + ["INVALID_CREDENTIALS"] * 4
        + ["TOO_MANY_ATTEMPTS"] * 2
    )
    assert {a["userErrors"][0]["message"] for a in known} == {
        "The email or password is not correct.",
        "Too many failed attempts. Try again later.",
    }


# -- Counts decay after a quiet period, and waiting gains no guesses -------------------------


async def test_an_email_and_address_count_starts_over_after_the_quiet_period(
    app: Starlette, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    async with from_address(app, OWNER) as gql:
        for _ in range(FREE_ATTEMPTS - 1):
            await gql.login(team.basic.email, WRONG)
        clock.advance(QUIET_PERIOD - timedelta(seconds=1))  # not yet: the fifth locks
        assert error_code(await gql.login(team.basic.email, WRONG)) == "INVALID_CREDENTIALS"
        assert error_code(await gql.login(team.basic.email, PASSWORD)) == "TOO_MANY_ATTEMPTS"

        for _ in range(FREE_ATTEMPTS - 1):
            await gql.login(team.admin.email, WRONG)
        clock.advance(QUIET_PERIOD)
        for _ in range(FREE_ATTEMPTS - 1):
            assert error_code(await gql.login(team.admin.email, WRONG)) == "INVALID_CREDENTIALS"
        assert (await gql.login(team.admin.email, PASSWORD))["outcome"] == "AUTHENTICATED"


async def test_the_lock_keeps_escalating_across_its_longest_length(
    gql: GraphQLClient, hasher: CountingHasher, clock: FrozenClock
) -> None:
    # The quiet period is longer than the longest lock: sitting out a lock does not reset
    # the count, so each further failure locks for the full 15 minutes again.
    assert QUIET_PERIOD > LONGEST_LOCK
    team = await make_team(hasher, clock)
    for lock in (30, 60, 120, 240, 480, 900, 900, 900):
        if lock == 30:
            for _ in range(FREE_ATTEMPTS):
                await gql.login(team.basic.email, WRONG)
        else:
            assert error_code(await gql.login(team.basic.email, WRONG)) == "INVALID_CREDENTIALS"
        refused = await gql.login(team.basic.email, PASSWORD)
        assert locked_until(refused) == (clock.now() + timedelta(seconds=lock)).isoformat()
        clock.advance(timedelta(seconds=lock))


async def test_the_email_wide_count_starts_over_after_the_quiet_period(
    app: Starlette, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)

    async def five_addresses_fail() -> str:
        for address in ATTACKERS[:EMAIL_WIDE_ADDRESSES]:
            await login_from(app, address, team.basic.email)
        return locked_until(await login_from(app, OWNER, team.basic.email, PASSWORD))

    assert await five_addresses_fail() == (clock.now() + timedelta(seconds=30)).isoformat()
    clock.advance(QUIET_PERIOD - timedelta(seconds=1))  # still counted: the lock doubles
    assert await five_addresses_fail() == (clock.now() + timedelta(seconds=60)).isoformat()
    clock.advance(QUIET_PERIOD)
    assert await five_addresses_fail() == (clock.now() + timedelta(seconds=30)).isoformat()


# -- An over-long password costs what a wrong one costs --------------------------------------


async def test_an_over_long_password_costs_one_verification_like_a_wrong_one(
    gql: GraphQLClient, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    answers, costs = [], []
    for email, password in (
        (team.basic.email, WRONG),
        (team.admin.email, "x" * (MAX_PASSWORD_LENGTH + 1)),
        (team.admin.email, PASSWORD + "x" * MAX_PASSWORD_LENGTH),
        ("nobody@acme.example", "x" * 100_000),
    ):
        before = hasher.verifications
        answers.append(await gql.login(email, password))
        costs.append(hasher.verifications - before)
    assert costs == [1, 1, 1, 1]
    assert all(a == answers[0] for a in answers)
    assert error_code(answers[0]) == "INVALID_CREDENTIALS"


REAUTHENTICATE = """mutation ($password: String!) {
  reauthenticate(input: {password: $password}) { userErrors { code lockedUntil } } }"""


async def test_an_email_wide_lock_never_keeps_the_owner_out_of_an_address_they_used(
    app: Starlette, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    email = team.basic.email
    # The owner logged in from home a week ago.
    assert (await login_from(app, OWNER, email, PASSWORD))["outcome"] == "AUTHENTICATED"
    clock.advance(timedelta(days=7))
    session = await session_for(team.basic, clock)
    for wave in range(5):
        # One guess from each of five addresses, timed to each lock's end: the email is
        # locked for every address again.
        for address in ATTACKERS[:EMAIL_WIDE_ADDRESSES]:
            await login_from(app, address, email)
        travelling = await login_from(app, TRAVELLING, email, PASSWORD)
        assert error_code(travelling) == "TOO_MANY_ATTEMPTS", wave
        # From home, the owner logs in, and confirms who they are in a session, all along.
        at_home = await login_from(app, OWNER, email, PASSWORD)
        assert at_home["outcome"] == "AUTHENTICATED", wave
        async with from_address(app, OWNER) as home:
            renewed = await home.data(REAUTHENTICATE, {"password": PASSWORD}, token=session)
        assert renewed["reauthenticate"]["userErrors"] == [], wave
        async with from_address(app, TRAVELLING) as hotel:
            refused = await hotel.data(REAUTHENTICATE, {"password": PASSWORD}, token=session)
        assert [e["code"] for e in refused["reauthenticate"]["userErrors"]] == ["TOO_MANY_ATTEMPTS"]
        clock.advance(LONGEST_LOCK)
    # An address is known for 30 days after its last successful login, no longer.
    clock.advance(timedelta(days=30))
    for address in ATTACKERS[:EMAIL_WIDE_ADDRESSES]:
        await login_from(app, address, email)
    assert error_code(await login_from(app, OWNER, email, PASSWORD)) == "TOO_MANY_ATTEMPTS"
