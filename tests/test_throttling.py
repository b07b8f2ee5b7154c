"""Throttling: every attempt counts (aliases, fragments, mutations), locks double, success resets."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from starlette.applications import Starlette

from models import AuditEvent
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.machinery.throttle import QUIET_PERIOD
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


def aliased_guesses(challenge: str, codes: list[str]) -> str:
    """One document with one aliased verifyTwoFactorCode per code, in order."""
    fields = "\n".join(
        f'g{n}: verifyTwoFactorCode(input: {{challengeToken: "{challenge}", code: "{code}"}}) '
        "{ sessionToken userErrors { code lockedUntil } }"
        for n, code in enumerate(codes)
    )
    return f"mutation {{ {fields} }}"


async def setup(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> tuple[Team, Enrolled, str]:
    team = await make_team(hasher, clock)
    enrolled = await enroll(gql, await session_for(team.basic, clock), clock)
    clock.advance(STEP * 10)
    challenge: str = (await gql.login(team.basic.email))["challengeToken"]
    return team, enrolled, challenge


async def test_twenty_aliased_guesses_lock_and_the_right_code_is_refused_after(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, enrolled, challenge = await setup(gql, hasher, clock)
    right = totp_code(enrolled.secret, clock.now())
    wrong = [f"{n:06d}" for n in range(21) if f"{n:06d}" != right][:20]
    data = await gql.data(aliased_guesses(challenge, [*wrong, right]))
    answers = [data[f"g{n}"] for n in range(21)]
    codes = [a["userErrors"][0]["code"] for a in answers]
    assert codes[:5] == ["INVALID_CODE"] * 5
    assert codes[5:] == ["TOO_MANY_ATTEMPTS"] * 16  # the right code, last, included
    assert all(a["sessionToken"] is None for a in answers)
    locked_until = answers[-1]["userErrors"][0]["lockedUntil"]
    assert locked_until == (clock.now() + timedelta(seconds=30)).isoformat()
    assert await AuditEvent.filter(kind="LOCKED_OUT", target_id=team.basic.id).count() == 1
    assert await AuditEvent.filter(kind="CODE_REJECTED", target_id=team.basic.id).count() == 5


async def test_fragment_spreads_count_like_aliases(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    _, enrolled, challenge = await setup(gql, hasher, clock)
    right = totp_code(enrolled.secret, clock.now())
    document = f"""
    mutation {{ ...A ...B ...C }}
    fragment A on Mutation {{
      a1: verifyTwoFactorCode(input: {{challengeToken: "{challenge}", code: "111111"}}) {{ userErrors {{ code }} }}
      a2: verifyTwoFactorCode(input: {{challengeToken: "{challenge}", code: "222222"}}) {{ userErrors {{ code }} }}
    }}
    fragment B on Mutation {{
      b1: verifyTwoFactorCode(input: {{challengeToken: "{challenge}", code: "333333"}}) {{ userErrors {{ code }} }}
      b2: verifyTwoFactorCode(input: {{challengeToken: "{challenge}", code: "444444"}}) {{ userErrors {{ code }} }}
      b3: verifyTwoFactorCode(input: {{challengeToken: "{challenge}", code: "555555"}}) {{ userErrors {{ code }} }}
    }}
    fragment C on Mutation {{
      c1: verifyTwoFactorCode(input: {{challengeToken: "{challenge}", code: "{right}"}}) {{ sessionToken userErrors {{ code }} }}
    }}
    """
    assert right not in {"111111", "222222", "333333", "444444", "555555"}
    data = await gql.data(document)
    assert data["c1"]["sessionToken"] is None
    assert data["c1"]["userErrors"][0]["code"] == "TOO_MANY_ATTEMPTS"


async def test_lock_doubles_and_a_success_resets_the_count(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    _, enrolled, challenge = await setup(gql, hasher, clock)
    for _ in range(5):
        assert (await verify(gql, challenge, "000000"))["userErrors"][0]["code"] in {"INVALID_CODE"}
    locked = await verify(gql, challenge, totp_code(enrolled.secret, clock.now()))
    assert (
        locked["userErrors"][0]["lockedUntil"] == (clock.now() + timedelta(seconds=30)).isoformat()
    )
    clock.advance(timedelta(seconds=30))
    # The sixth failure in a row locks for 60 s.
    assert (await verify(gql, challenge, "000000"))["userErrors"][0]["code"] == "INVALID_CODE"
    second = await verify(gql, challenge, totp_code(enrolled.secret, clock.now()))
    assert (
        second["userErrors"][0]["lockedUntil"] == (clock.now() + timedelta(seconds=60)).isoformat()
    )
    clock.advance(timedelta(seconds=60))
    ok = await verify(gql, challenge, totp_code(enrolled.secret, clock.now()))
    assert ok["sessionToken"]
    # After a success four failures do not lock again.
    challenge = (await gql.login("basic@acme.example"))["challengeToken"]
    for _ in range(4):
        await verify(gql, challenge, "000000")
    clock.advance(STEP)
    assert (await verify(gql, challenge, totp_code(enrolled.secret, clock.now())))["sessionToken"]


async def test_password_guesses_lock_the_email_known_or_not(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    for email in (team.basic.email, "nobody@acme.example"):
        for _ in range(5):
            failed = await gql.login(email, "wrong password, long enough")
            assert failed["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
        locked = await gql.login(email)  # the right password for the known email
        error = locked["userErrors"][0]
        assert error["code"] == "TOO_MANY_ATTEMPTS"
        assert error["lockedUntil"] == (clock.now() + timedelta(seconds=30)).isoformat()
        assert locked["sessionToken"] is None
    clock.advance(timedelta(seconds=30))
    assert (await gql.login(team.basic.email))["outcome"] == "AUTHENTICATED"
    # Other operators are not affected by someone else's lock.
    assert (await gql.login(team.admin.email))["outcome"] == "AUTHENTICATED"


async def test_parallel_password_guesses_are_each_counted(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    answers = await asyncio.gather(
        *(gql.login(team.basic.email, f"guess number {n:04d}") for n in range(8))
    )
    codes = sorted(answer["userErrors"][0]["code"] for answer in answers)
    assert codes == ["INVALID_CREDENTIALS"] * 5 + ["TOO_MANY_ATTEMPTS"] * 3


async def test_failed_logins_from_one_address_lock_that_address_for_any_email(
    app: Starlette, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)

    def client(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://twofa.test")

    async with client("203.0.113.7") as sprayer_http, client("198.51.100.9") as colleague_http:
        sprayer, colleague = GraphQLClient(sprayer_http), GraphQLClient(colleague_http)
        for n in range(20):  # one password sprayed over twenty emails: no email is locked
            failed = await sprayer.login(f"user{n}@acme.example", "Summer2026!Summer")
            assert failed["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
        locked = await sprayer.login(team.basic.email)  # even the right password now
        assert locked["userErrors"][0]["code"] == "TOO_MANY_ATTEMPTS"
        assert (
            locked["userErrors"][0]["lockedUntil"]
            == (clock.now() + timedelta(seconds=30)).isoformat()
        )
        assert (await colleague.login(team.basic.email))["outcome"] == "AUTHENTICATED"
        clock.advance(timedelta(minutes=16))  # the lock and the window have passed
        assert (await sprayer.login(team.basic.email))["outcome"] == "AUTHENTICATED"
        assert (await sprayer.login("user0@acme.example", "again wrong"))["userErrors"][0][
            "code"
        ] == "INVALID_CREDENTIALS"


async def test_code_failures_start_over_after_the_quiet_period_and_not_before(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team, enrolled, challenge = await setup(gql, hasher, clock)
    for _ in range(4):
        assert (await verify(gql, challenge, "000000"))["userErrors"][0]["code"] == "INVALID_CODE"
    clock.advance(QUIET_PERIOD - timedelta(seconds=1))  # still counted: the fifth locks
    challenge = (await gql.login(team.basic.email))["challengeToken"]
    assert (await verify(gql, challenge, "000000"))["userErrors"][0]["code"] == "INVALID_CODE"
    locked = await verify(gql, challenge, totp_code(enrolled.secret, clock.now()))
    assert locked["userErrors"][0]["code"] == "TOO_MANY_ATTEMPTS"
    clock.advance(timedelta(seconds=30))
    assert (await verify(gql, challenge, totp_code(enrolled.secret, clock.now())))["sessionToken"]

    challenge = (await gql.login(team.basic.email))["challengeToken"]
    for _ in range(4):
        assert (await verify(gql, challenge, "000000"))["userErrors"][0]["code"] == "INVALID_CODE"
    clock.advance(QUIET_PERIOD)
    challenge = (await gql.login(team.basic.email))["challengeToken"]
    for _ in range(4):  # counted afresh: four more do not lock
        assert (await verify(gql, challenge, "000000"))["userErrors"][0]["code"] == "INVALID_CODE"
    assert (await verify(gql, challenge, totp_code(enrolled.secret, clock.now())))["sessionToken"]
