"""The status query: one statement reads the caller's session, account and authenticator.

It reads what is committed, waits for no write in progress, and reads no password hash.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from starlette.applications import Starlette
from tortoise.exceptions import IncompleteInstanceError
from tortoise.transactions import in_transaction

from models import Operator, OperatorStatus
from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from services.sessions import authenticate
from tests.support import (
    CONFIRM_ENROLLMENT,
    PASSWORD,
    START_ENROLLMENT,
    GraphQLClient,
    make_team,
    session_for,
    stop_senders,
    totp_code,
)
from twofa.sql_log import StatementCounter

STATUS = """{ viewer { email effectiveTwoFactorPolicy {
  mode state setupRequired canEnroll codeRequiredAtLogin } } }"""


async def status(gql: GraphQLClient, token: str) -> tuple[dict[str, Any], int]:
    """Return the viewer's policy and how many SQL statements the request ran."""
    with StatementCounter() as counter:
        data = await gql.data(STATUS, token=token)
    return data["viewer"]["effectiveTwoFactorPolicy"], len(counter.statements)


async def test_one_statement_answers_the_status_query_in_every_authenticator_state(
    app: Starlette, gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    await stop_senders(app)  # only the request's statements are counted
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)

    policy, statements = await status(gql, token)
    assert (policy["state"], policy["canEnroll"], statements) == ("NOT_CONFIGURED", True, 1)

    started = (await gql.data(START_ENROLLMENT, token=token))["startTwoFactorEnrollment"]
    policy, statements = await status(gql, token)
    assert (policy["state"], policy["canEnroll"], statements) == ("PENDING", True, 1)

    code = totp_code(started["enrollment"]["secret"], clock.now())
    confirmed = await gql.data(CONFIRM_ENROLLMENT, {"code": code}, token=token)
    # In the mutation's own answer the state is read again after the change.
    assert confirmed["confirmTwoFactorEnrollment"]["operator"]["effectiveTwoFactorPolicy"] == {
        "state": "CONFIGURED",
        "codeRequiredAtLogin": True,
    }
    policy, statements = await status(gql, token)
    assert (policy["state"], policy["codeRequiredAtLogin"], statements) == ("CONFIGURED", True, 1)


async def test_last_used_is_written_at_most_once_a_minute(
    app: Starlette, gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    await stop_senders(app)
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    clock.advance(timedelta(seconds=59))
    assert (await status(gql, token))[1] == 1
    clock.advance(timedelta(seconds=2))
    assert (await status(gql, token))[1] == 2  # the read, then lastUsedAt
    assert (await status(gql, token))[1] == 1
    session = (await gql.data("{ viewerSession { lastUsedAt } }", token=token))["viewerSession"]
    assert session["lastUsedAt"].startswith(clock.now().isoformat()[:19])


async def test_the_lookup_reads_no_password_hash_and_its_models_refuse_a_full_save(
    app: Starlette, gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    await stop_senders(app)
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    with StatementCounter() as counter:
        await gql.data(STATUS, token=token)
    (statement,) = counter.statements
    selected = statement.split(" FROM ", 1)[0]
    assert "password_hash" not in selected and "token_hash" not in selected
    found = await authenticate(token, clock.now())
    assert found is not None
    with pytest.raises(AttributeError):
        _ = found.operator.password_hash
    with pytest.raises(IncompleteInstanceError):
        await found.operator.save()
    await found.operator.save(update_fields=["name"])  # a save of what was read still works
    # The password is still checked against the stored hash where one is needed.
    renewed = await gql.data(
        "mutation R($password: String!) { reauthenticate(input: {password: $password}) "
        "{ userErrors { code } } }",
        {"password": PASSWORD},
        token=token,
    )
    assert renewed["reauthenticate"]["userErrors"] == []


async def test_a_write_in_progress_neither_delays_the_status_query_nor_shows_through(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    written, finish = asyncio.Event(), asyncio.Event()

    async def deactivate() -> None:
        async with in_transaction():
            await Operator.filter(id=team.basic.id).update(status=OperatorStatus.DEACTIVATED)
            written.set()
            await finish.wait()

    writing = asyncio.create_task(deactivate())
    await written.wait()
    try:
        # Waiting for the transaction would never end: it ends only after this answer.
        during = await asyncio.wait_for(gql.data(STATUS, token=token), timeout=30)
    finally:
        finish.set()
        await writing
    assert during["viewer"]["email"] == team.basic.email  # the committed operator, active
    after = await gql.post(STATUS, token=token)
    assert after.json()["data"] == {"viewer": None}
