"""A flood of logins from one address does not stop other clients from logging in.

A real ``twofa serve`` at the production argon2id parameters (one hash at a time on a
2-core machine, about a quarter of a second each). Six connections from one loopback
address log in back to back, with the right password of their own account or with wrong
ones; meanwhile operators of another account log in from addresses of their own, one after
another. Linux routes all of 127.0.0.0/8 to the loopback interface, so each client is bound
to an address of its own and the server sees them apart from the socket itself.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from tortoise import Tortoise
from tortoise.contrib.test import truncate_all_models

from services.machinery.clock import SystemClock
from services.machinery.hashing import PasswordHasher
from tests.servers import TwofaServer
from tests.support import LOGIN, PASSWORD, PUBLIC_URL, add_operator, eventually, make_team
from twofa.database import tortoise_config

pytestmark = pytest.mark.server
"""Runs real twofa processes: left out of make test-fast."""

FLOOD_CONNECTIONS = 6
FLOOD_ADDRESS = "127.0.0.2"
LEGITIMATE = 5
"""Operators of another account who log in during the flood, each from its own address."""
FIRST_LEGITIMATE_ADDRESS = 10
"""Operator ``n`` logs in from 127.0.0.(FIRST_LEGITIMATE_ADDRESS + n)."""
WRONG = "not the password at all"


@pytest.fixture(scope="module")
def server(
    database_url: str, encryption_key: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TwofaServer]:
    """One ``twofa serve`` at the default (production) hash parameters; mail to its log."""
    env = {
        "DATABASE_URL": database_url,
        "ENCRYPTION_KEYS": encryption_key,
        "PUBLIC_URL": PUBLIC_URL,
    }
    served = TwofaServer(env, tmp_path_factory.mktemp("flood") / "server.log")
    served.start()
    yield served
    served.stop()


@dataclass
class Accounts:
    """The flooder's own operator, and the operators of the other account."""

    flooder: str
    others: list[str]


@pytest.fixture
async def accounts(server: TwofaServer, database_url: str) -> AsyncIterator[Accounts]:
    """Two accounts, their passwords hashed at the server's parameters."""
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        await truncate_all_models()
        hasher, clock = PasswordHasher(), SystemClock()
        flooder = await make_team(hasher, clock, name="Flood", domain="flood.example")
        victim = await make_team(hasher, clock, name="Victim", domain="victim.example")
        others = [victim.basic.email]
        for n in range(1, LEGITIMATE):
            operator = await add_operator(victim.account, f"op{n}@victim.example", hasher, clock)
            others.append(operator.email)
        yield Accounts(flooder=flooder.basic.email, others=others)
    finally:
        await Tortoise.close_connections()


def login_body(email: str, password: str) -> dict[str, object]:
    return {"query": LOGIN, "variables": {"email": email, "password": password}}


async def flood(
    url: str, email: str, password: str, stop: asyncio.Event, answers: Counter[str]
) -> None:
    """Log in back to back on FLOOD_CONNECTIONS connections from one address until ``stop``;
    count the answers in ``answers`` as they come."""
    transport = httpx.AsyncHTTPTransport(local_address=FLOOD_ADDRESS)
    async with httpx.AsyncClient(transport=transport, timeout=60) as http:

        async def connection() -> None:
            while not stop.is_set():
                body = (await http.post(url, json=login_body(email, password))).json()
                errors = body["data"]["login"]["userErrors"]
                answers[errors[0]["code"] if errors else "AUTHENTICATED"] += 1

        await asyncio.gather(*(connection() for _ in range(FLOOD_CONNECTIONS)))


async def log_in_from_own_address(url: str, number: int, email: str) -> tuple[str, float]:
    """One operator's login from an address of their own: its outcome and latency."""
    address = f"127.0.0.{FIRST_LEGITIMATE_ADDRESS + number}"
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(transport=transport, timeout=60) as http:
        started = time.perf_counter()
        body = (await http.post(url, json=login_body(email, PASSWORD))).json()
        elapsed = time.perf_counter() - started
    payload = body["data"]["login"]
    return payload["outcome"] or payload["userErrors"][0]["code"], elapsed


@pytest.mark.parametrize("password", ["right", "wrong"])
async def test_other_clients_log_in_during_a_flood_from_one_address(
    server: TwofaServer, accounts: Accounts, password: str
) -> None:
    url = f"{server.url}/graphql"
    stop = asyncio.Event()
    flood_answers: Counter[str] = Counter()
    flooding = asyncio.create_task(
        flood(
            url, accounts.flooder, PASSWORD if password == "right" else WRONG, stop, flood_answers
        )
    )

    async def in_full_swing() -> bool | None:
        """Whether the flood's connections were answered as many times as there are of them."""
        assert not flooding.done(), flooding.exception()
        return sum(flood_answers.values()) >= FLOOD_CONNECTIONS or None

    await eventually(in_full_swing, within=30)
    results = []
    for number, email in enumerate(accounts.others):
        results.append(await log_in_from_own_address(url, number, email))
    stop.set()
    await flooding
    outcomes = [outcome for outcome, _ in results]
    assert outcomes == ["AUTHENTICATED"] * LEGITIMATE, (outcomes, flood_answers)
    assert statistics.median(elapsed for _, elapsed in results) < 2.0, results
    assert sum(flood_answers.values()) > FLOOD_CONNECTIONS  # it was a flood
