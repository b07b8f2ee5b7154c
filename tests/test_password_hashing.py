"""Password hashing: bounded concurrency, configurable argon2 parameters, rehash on login."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from contextlib import ExitStack
from typing import Any

import pytest
from starlette.applications import Starlette

from models import Operator, Throttle
from services.errors import DomainError, ErrorCode
from services.machinery.clock import FrozenClock
from services.machinery.hashing import Argon2Parameters, PasswordHasher
from tests.support import (
    ATTACKERS,
    CountingHasher,
    GraphQLClient,
    add_operator,
    from_address,
    make_team,
    session_for,
)
from twofa.settings import ConfigurationError, Settings
from twofa.sql_log import StatementCounter

SLOW_SECONDS = 0.4
CLIENT = "127.0.0.1"
"""The address the suite's GraphQL client calls from."""
CHEAP_ARGON2 = Argon2Parameters(time_cost=1, memory_cost_kib=256, parallelism=1)
"""The suite's cheap parameters (as in conftest), so that only the sleep costs time."""


class SlowHasher(CountingHasher):
    """A cheap hasher whose verifications take ``SLOW_SECONDS`` in their thread, counted."""

    def __init__(self, parameters: Argon2Parameters, **bounds: float) -> None:
        super().__init__(parameters, **bounds)  # type: ignore[arg-type]
        self.slow = False
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def _verify(self, hashed: str | None, secret: str) -> bool:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            if self.slow:
                time.sleep(SLOW_SECONDS)
            return super()._verify(hashed, secret)
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def hasher() -> SlowHasher:
    """The app's hasher: two slots, four requests in line in all, two per client."""
    return SlowHasher(CHEAP_ARGON2, limit=2, queue_limit=4, line_limit=2, queue_seconds=1.0)


@pytest.mark.slow
async def test_a_flood_of_logins_runs_two_hashes_at_once_and_turns_the_rest_away_quickly(
    app: Starlette, hasher: SlowHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    emails = [f"flood{number}@acme.example" for number in range(6)]
    for email in emails:  # one operator each, so that no per-email count gets in the way
        await add_operator(team.account, email, hasher, clock)
    hasher.slow = True
    started = time.perf_counter()

    async def timed_login(number: int) -> tuple[dict[str, Any], float]:
        async with from_address(app, ATTACKERS[number]) as gql:  # six clients
            payload = await gql.login(emails[number])
        return payload, time.perf_counter() - started

    results = await asyncio.gather(*(timed_login(number) for number in range(6)))
    assert hasher.most_at_once == 2
    # Two run at once, two wait for a slot (under the second they may wait) and run.
    assert [bool(payload["sessionToken"]) for payload, _ in results].count(True) == 4
    refused = [(payload, elapsed) for payload, elapsed in results if not payload["sessionToken"]]
    assert len(refused) == 2
    for payload, elapsed in refused:
        assert [error["code"] for error in payload["userErrors"]] == ["SERVICE_UNAVAILABLE"]
        assert elapsed < SLOW_SECONDS  # refused at once, not after waiting
    # Turned away is not a guess: nothing stays counted, and every operator logs in after.
    assert await Throttle.filter(failures__gt=0).exclude(key__startswith="logins:").count() == 0
    hasher.slow = False
    for number, email in enumerate(emails):
        async with from_address(app, ATTACKERS[number]) as gql:
            assert (await gql.login(email))["sessionToken"]


async def test_a_login_past_the_hashers_places_is_refused_before_any_database_work(
    gql: GraphQLClient, hasher: SlowHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    # Four requests of other clients fill the queue.
    with ExitStack() as held, StatementCounter() as sql:
        for address in ATTACKERS[:4]:
            held.enter_context(hasher.ticket(address))
        payload = await gql.login(team.basic.email, "a wrong guess")
    assert [error["code"] for error in payload["userErrors"]] == ["SERVICE_UNAVAILABLE"]
    assert sql.statements == []
    # Two of the client's own fill its line: the next is turned away just as cheaply.
    with ExitStack() as held, StatementCounter() as sql:
        for _ in range(2):
            held.enter_context(hasher.ticket(CLIENT))
        payload = await gql.login(team.basic.email, "a wrong guess")
    assert [error["code"] for error in payload["userErrors"]] == ["RATE_LIMITED"]
    assert sql.statements == []
    assert hasher.verifications == 0
    # Once there is room again, the same login is checked and counted as usual.
    payload = await gql.login(team.basic.email, "a wrong guess")
    assert [error["code"] for error in payload["userErrors"]] == ["INVALID_CREDENTIALS"]
    assert hasher.verifications == 1
    assert await Throttle.filter(failures__gt=0).exists()


async def test_a_caller_waiting_longer_than_the_queue_allows_is_turned_away() -> None:
    hasher = SlowHasher(CHEAP_ARGON2, limit=1, queue_limit=5, queue_seconds=0.1)
    hashed = await hasher.hash("secret")
    hasher.slow = True
    outcomes = await asyncio.gather(
        hasher.verify(hashed, "secret"), hasher.verify(hashed, "secret"), return_exceptions=True
    )
    assert outcomes[0] is True
    assert isinstance(outcomes[1], DomainError)
    assert outcomes[1].code is ErrorCode.SERVICE_UNAVAILABLE
    assert hasher.most_at_once == 1


async def test_changed_parameters_rehash_the_password_at_the_next_login(
    gql: GraphQLClient, hasher: SlowHasher, clock: FrozenClock
) -> None:
    # The password was hashed when the cost was higher than the app's current setting.
    before = PasswordHasher(Argon2Parameters(time_cost=2, memory_cost_kib=512, parallelism=1))
    team = await make_team(before, clock)
    old_hash = (await Operator.get(id=team.basic.id)).password_hash or ""
    assert "t=2" in old_hash and hasher.needs_rehash(old_hash)
    assert (await gql.login(team.basic.email, "wrong password, long enough"))["userErrors"]
    assert (await Operator.get(id=team.basic.id)).password_hash == old_hash  # failures do not
    assert (await gql.login(team.basic.email))["sessionToken"]
    new_hash = (await Operator.get(id=team.basic.id)).password_hash or ""
    assert new_hash != old_hash and not hasher.needs_rehash(new_hash)
    assert "m=256,t=1,p=1" in new_hash
    assert (await gql.login(team.basic.email))["sessionToken"]


def test_argon2_parameters_come_from_the_environment() -> None:
    assert Settings.from_env({}).password_hash == Argon2Parameters()
    settings = Settings.from_env(
        {
            "PASSWORD_HASH_TIME_COST": "4",
            "PASSWORD_HASH_MEMORY_KIB": "131072",
            "PASSWORD_HASH_PARALLELISM": "2",
        }
    )
    assert settings.password_hash == Argon2Parameters(
        time_cost=4, memory_cost_kib=131072, parallelism=2
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PASSWORD_HASH_TIME_COST", "0"),
        ("PASSWORD_HASH_TIME_COST", "three"),
        ("PASSWORD_HASH_MEMORY_KIB", "1024"),
        ("PASSWORD_HASH_MEMORY_KIB", "-65536"),
        ("PASSWORD_HASH_PARALLELISM", "65"),
    ],
)
def test_bad_argon2_parameters_are_refused(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({name: value})


@pytest.mark.parametrize("parallelism", [1, 2, 4, 64])
def test_by_default_one_hash_runs_per_as_many_cores_as_it_has_lanes(parallelism: int) -> None:
    """argon2 runs ``parallelism`` threads per hash: the default bound counts cores, not hashes."""
    lanes = Argon2Parameters(time_cost=1, memory_cost_kib=8 * parallelism, parallelism=parallelism)
    hasher = PasswordHasher(lanes)
    assert hasher.limit == max(1, (os.cpu_count() or 1) // parallelism)


@pytest.mark.parametrize(
    "document",
    [
        'mutation { reauthenticate(input: {password: "p"}) { userErrors { code } } }',
        'mutation { changePassword(input: {currentPassword: "p", newPassword: "a new one of'
        ' enough length"}) { userErrors { code } } }',
    ],
    ids=["reauthenticate", "changePassword"],
)
async def test_a_password_check_turned_away_as_busy_counts_no_guess(
    gql: GraphQLClient, hasher: SlowHasher, clock: FrozenClock, document: str
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    # Other clients fill the queue, so the next check is turned away.
    with ExitStack() as held:
        for address in ATTACKERS[:4]:
            held.enter_context(hasher.ticket(address))
        payload = next(iter((await gql.data(document, token=token)).values()))
    assert [error["code"] for error in payload["userErrors"]] == ["SERVICE_UNAVAILABLE"]
    assert await Throttle.filter(failures__gt=0).count() == 0
