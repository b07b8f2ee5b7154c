"""Shared fixtures: a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL), the app
over ASGI with an injected clock, and helpers to call GraphQL and create data."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette

from services.machinery.clock import FrozenClock
from services.machinery.encryption import generate_key
from tests.mail_server import MailSink, SmtpServer
from tests.support import (
    CHEAP_ARGON2,
    PUBLIC_URL,
    START,
    CountingHasher,
    Delivery,
    GraphQLClient,
    running_app,
)
from twofa.database import apply_migrations
from twofa.settings import Settings


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A migrated database for the whole run: a throw-away PostgreSQL database when
    TEST_DATABASE_URL is set, else an SQLite file."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        path: Path = tmp_path_factory.mktemp("db") / "twofa.sqlite3"
        url = f"sqlite://{path}"
        await apply_migrations(url)
        yield url
        return
    name = f"twofa_test_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(_asyncpg_dsn(base))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = _with_database(base, name)
    await apply_migrations(url)
    yield url
    admin = await asyncpg.connect(_asyncpg_dsn(base))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
def hasher() -> CountingHasher:
    """A cheap argon2id hasher that counts its verifications.

    Its queue and its lines are long enough never to turn a test's burst away as too busy,
    so that the throttling tests count hashes exactly; tests/test_password_hashing.py and
    tests/test_fair_hashing.py check the bounds with hashers of their own.
    """
    return CountingHasher(CHEAP_ARGON2, queue_limit=1000, line_limit=1000, queue_seconds=60.0)


@pytest.fixture
def clock() -> FrozenClock:
    """The test's clock; move it with ``advance``."""
    return FrozenClock(START)


@pytest.fixture(scope="session")
def encryption_key() -> str:
    """The run's Fernet key for TOTP secrets."""
    return generate_key()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on a loopback port for the whole run."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail(smtp_server: SmtpServer) -> MailSink:
    """What the SMTP server receives during this test."""
    smtp_server.sink.clear()
    return smtp_server.sink


@pytest.fixture
def settings(database_url: str, encryption_key: str, smtp_server: SmtpServer) -> Settings:
    """Settings of the app under test: the test database, SMTP to the test server."""
    return Settings(
        database_url=database_url,
        public_url=PUBLIC_URL,
        totp_issuer="Acme Cloud",
        encryption_keys=(encryption_key,),
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_tls="none",
        mail_from="twofa@acme-cloud.example",
        # Refusals answered at once: the suite sends many on purpose (tests of the delay
        # set their own).
        login_refusal_delay_ms=0,
    )


@pytest.fixture
async def app(
    settings: Settings, clock: FrozenClock, hasher: CountingHasher, mail: MailSink
) -> AsyncIterator[Starlette]:
    """The application with its lifespan running, on an emptied database."""
    async with running_app(settings, clock, hasher) as application:
        yield application


@pytest.fixture
def deliver(app: Starlette, mail: MailSink) -> Delivery:
    """Deliver the app's queued mail now; returns everything the SMTP server got in this test."""
    return Delivery(app.state.outbox_sender, mail)


@pytest.fixture
async def gql(app: Starlette) -> AsyncIterator[GraphQLClient]:
    """A GraphQL client talking to the app over ASGI."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://twofa.test") as http:
        yield GraphQLClient(http)
