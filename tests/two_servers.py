"""Two real ``twofa serve`` processes on one database, as fixtures for scale-out tests.

Data is set up in-process through the ORM; everything under test goes over HTTP to the two
servers, which share nothing but the database (and the SMTP server their outbox senders use).
A test module takes these fixtures with ``pytest_plugins = ["tests.two_servers"]`` and
imports nothing from here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from tortoise import Tortoise
from tortoise.contrib.test import truncate_all_models

from tests.mail_server import MailSink, SmtpServer
from tests.servers import TwofaServer
from tests.support import PUBLIC_URL, GraphQLClient
from twofa.database import tortoise_config


class SlowSink(MailSink):
    """Takes a while over each message, so that one sender polls while the other delivers."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.1)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    """A slow SMTP server that only the two served processes send to."""
    server = SmtpServer()
    server.sink = SlowSink()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def servers(
    database_url: str,
    encryption_key: str,
    smtp: SmtpServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TwofaServer, TwofaServer]]:
    """Two ``twofa serve`` processes on the test database, for the whole module."""
    env = {
        "DATABASE_URL": database_url,
        "ENCRYPTION_KEYS": encryption_key,
        "PUBLIC_URL": PUBLIC_URL,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SMTP_TLS": "none",
    }
    logs = tmp_path_factory.mktemp("servers")
    pair = TwofaServer(env, logs / "a.log"), TwofaServer(env, logs / "b.log")
    try:
        yield pair
    finally:
        for server in pair:
            server.stop()


@pytest.fixture
def running(servers: tuple[TwofaServer, TwofaServer]) -> tuple[TwofaServer, TwofaServer]:
    """The two servers, started (again, when an earlier test stopped them)."""
    for server in servers:
        if not server.running:
            server.start()
    return servers


@pytest.fixture
async def nodes(
    running: tuple[TwofaServer, TwofaServer], database_url: str, smtp: SmtpServer
) -> AsyncIterator[tuple[GraphQLClient, GraphQLClient]]:
    """GraphQL clients of servers A and B, with the ORM open here on emptied tables."""
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        await truncate_all_models()
        smtp.sink.clear()
        async with (
            httpx.AsyncClient(base_url=running[0].url, timeout=30) as a,
            httpx.AsyncClient(base_url=running[1].url, timeout=30) as b,
        ):
            yield GraphQLClient(a), GraphQLClient(b)
    finally:
        await Tortoise.close_connections()
