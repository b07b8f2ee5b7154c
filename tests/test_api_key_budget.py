"""Each API key has a request budget a minute, held across requests in parallel and across
processes; past it, 429 with ``Retry-After`` and ``RATE_LIMITED``, and no other key pays."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx

from models import ApiKey, Throttle
from services.key_budget import KeyBudget, budget_key
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.support import (
    KEY_STATUS,
    GraphQLClient,
    create_key,
    make_team,
    running_app,
    session_for,
)
from twofa.settings import Settings


@asynccontextmanager
async def budgeted(
    settings: Settings, clock: FrozenClock, hasher: PasswordHasher, per_minute: int
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with this budget a key, and an HTTP client for it."""
    configured = dataclasses.replace(settings, api_key_rate_limit=per_minute)
    async with running_app(configured, clock, hasher) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://twofa.test") as http:
            yield http


async def ask(http: httpx.AsyncClient, secret: str) -> httpx.Response:
    """One status request with a key."""
    return await GraphQLClient(http).post(KEY_STATUS, token=secret)


async def test_past_its_budget_a_key_gets_429_until_the_minute_ends(
    settings: Settings, clock: FrozenClock, hasher: PasswordHasher
) -> None:
    async with budgeted(settings, clock, hasher, per_minute=5) as http:
        client = GraphQLClient(http)
        team = await make_team(hasher, clock)
        admin = await session_for(team.admin, clock)
        secret = (await create_key(client, admin, ["READ_OPERATORS"]))["secret"]
        other = (await create_key(client, admin, ["READ_OPERATORS"]))["secret"]
        for _ in range(5):
            assert (await ask(http, secret)).json()["data"]["account"] is not None
        refused = await ask(http, secret)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "60"
        body = refused.json()
        assert "data" not in body
        assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        # Another key, and people's sessions, are not held by this key's budget.
        assert (await ask(http, other)).status_code == 200
        assert (await client.data("{ viewer { email } }", token=admin))["viewer"] is not None
        clock.advance(timedelta(seconds=59))
        assert (await ask(http, secret)).headers["retry-after"] == "1"
        clock.advance(timedelta(seconds=2))
        assert (await ask(http, secret)).status_code == 200


async def test_sixty_parallel_requests_get_exactly_the_budget(
    settings: Settings, clock: FrozenClock, hasher: PasswordHasher
) -> None:
    async with budgeted(settings, clock, hasher, per_minute=10) as http:
        team = await make_team(hasher, clock)
        admin = await session_for(team.admin, clock)
        secret = (await create_key(GraphQLClient(http), admin, ["READ_OPERATORS"]))["secret"]
        answers = await asyncio.gather(*(ask(http, secret) for _ in range(60)))
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200] * 10 + [429] * 50


async def test_processes_share_a_keys_budget_through_the_database(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    await create_key(gql, admin, ["READ_OPERATORS"])
    key_id = (await ApiKey.get()).id
    one, two = KeyBudget(10, clock.now), KeyBudget(10, clock.now)  # two processes
    assert [await one.admit(key_id) for _ in range(7)] == [None] * 7
    admitted = [await two.admit(key_id) is None for _ in range(5)]
    assert admitted == [True, True, True, False, False]
    assert await one.admit(key_id) == clock.now() + timedelta(minutes=1)
    clock.advance(timedelta(minutes=1))
    assert await one.admit(key_id) is None  # a new minute, for everyone
    assert await two.admit(key_id) is None


async def test_a_reservation_is_a_twentieth_of_the_budget_and_never_more_than_is_left(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    admin = await session_for(team.admin, clock)
    await create_key(gql, admin, ["READ_OPERATORS"])
    key_id = (await ApiKey.get()).id
    processes = [KeyBudget(600, clock.now) for _ in range(4)]
    admitted = 0
    for _ in range(200):  # the four take turns until the minute is spent
        for budget in processes:
            if await budget.admit(key_id) is None:
                admitted += 1
    assert admitted == 600
    (row,) = await Throttle.filter(key=budget_key(key_id))
    assert row.failures == 600  # every reservation used: none lost, none beyond
