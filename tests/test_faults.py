"""Faults: the database goes away and comes back; a crash between the steps of a change."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest
from tortoise.backends.sqlite.client import SqliteClient
from tortoise.connection import get_connection

from models import Authenticator, OneTimeToken, Operator, OperatorStatus, RecoveryCode, Session
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.smtp import link_token
from tests.support import (
    CONFIRM_ENROLLMENT,
    PUBLIC_URL,
    START_ENROLLMENT,
    Delivery,
    GraphQLClient,
    make_team,
    session_for,
    totp_code,
)

VIEWER = "{ viewer { email } }"


@asynccontextmanager
async def database_outage(database_url: str) -> AsyncIterator[None]:
    """Make the database unreachable for the block: PostgreSQL refuses connections and drops
    the open ones; SQLite's file becomes impossible to open."""
    if database_url.startswith("postgres"):
        name = database_url.rsplit("/", 1)[1]
        admin = await asyncpg.connect(
            os.environ["TEST_DATABASE_URL"].replace("postgres://", "postgresql://", 1)
        )
        try:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
            yield
        finally:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            await admin.close()
        return
    client = get_connection("default")
    assert isinstance(client, SqliteClient)
    path = client.filename
    await client.close()
    client.filename = "/nonexistent/twofa/outage.sqlite3"
    try:
        yield
    finally:
        client.filename = path


async def test_database_outage_is_a_clear_error_and_the_service_recovers(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, database_url: str
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.admin, clock)
    async with database_outage(database_url):
        authenticated = await gql.post(VIEWER, token=token)
        assert authenticated.status_code == 503
        assert authenticated.json() == {
            "errors": [
                {
                    "message": "The service is temporarily unavailable. Try again shortly.",
                    "extensions": {"code": "SERVICE_UNAVAILABLE"},
                }
            ]
        }
        anonymous = (
            await gql.post(
                'mutation { login(input: {email: "a@b.example", password: "x"}) { outcome } }'
            )
        ).json()
        assert anonymous["data"] is None
        assert anonymous["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert "Traceback" not in str(anonymous) and "sqlite" not in str(anonymous).lower()
        down = await gql.http.get("/healthz")
        assert (down.status_code, down.json()) == (503, {"status": "unavailable"})
    up = await gql.http.get("/healthz")
    assert (up.status_code, up.json()) == (200, {"status": "ok"})
    assert (await gql.data(VIEWER, token=token))["viewer"] == {"email": team.admin.email}
    assert (await gql.login(team.basic.email))["outcome"] == "AUTHENTICATED"


async def test_a_crash_inside_confirmation_leaves_the_enrollment_pending(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    other = await session_for(team.basic, clock)
    secret = (await gql.data(START_ENROLLMENT, token=token))["startTwoFactorEnrollment"][
        "enrollment"
    ]["secret"]

    async def crash(*args: object) -> None:
        raise RuntimeError("power cut between two steps")

    monkeypatch.setattr("services.auth.recovery_codes.store", crash)
    body = await gql.execute(
        CONFIRM_ENROLLMENT, {"code": totp_code(secret, clock.now())}, token=token
    )
    assert body["errors"][0]["message"] == "Unexpected error."
    authenticator = await Authenticator.get(operator_id=team.basic.id)
    assert authenticator.confirmed_at is None and authenticator.last_used_step == 0
    assert not await RecoveryCode.filter(operator_id=team.basic.id).exists()
    assert await Session.filter(operator_id=team.basic.id).count() == 2  # nobody was logged out
    assert (await gql.data(VIEWER, token=other))["viewer"] is not None
    monkeypatch.undo()
    retry = await gql.data(
        CONFIRM_ENROLLMENT, {"code": totp_code(secret, clock.now())}, token=token
    )
    assert retry["confirmTwoFactorEnrollment"]["userErrors"] == []


async def test_a_crash_inside_acceptance_leaves_the_invitation_open(
    gql: GraphQLClient,
    hasher: PasswordHasher,
    clock: FrozenClock,
    deliver: Delivery,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    team = await make_team(hasher, clock)
    await gql.data(
        'mutation { inviteOperator(input: {email: "new@acme.example", name: "New"}) { userErrors { code } } }',
        token=await session_for(team.admin, clock),
    )
    [message] = await deliver()
    invitation = link_token(message, f"{PUBLIC_URL}/invitations/accept")
    accept = 'mutation ($t: String!) { acceptInvitation(input: {invitationToken: $t, password: "a long password 123"}) { outcome sessionToken userErrors { code } } }'

    async def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut between two steps")

    monkeypatch.setattr("services.invitations.audit.record", crash)
    body = await gql.execute(accept, {"t": invitation})
    assert body["errors"][0]["message"] == "Unexpected error."
    operator = await Operator.get(email_folded="new@acme.example")
    assert operator.status is OperatorStatus.INVITED and operator.password_hash is None
    assert await OneTimeToken.filter(operator_id=operator.id).count() == 1
    assert not await Session.filter(operator_id=operator.id).exists()
    monkeypatch.undo()
    retry = (await gql.data(accept, {"t": invitation}))["acceptInvitation"]
    assert retry["outcome"] == "AUTHENTICATED" and retry["sessionToken"]
