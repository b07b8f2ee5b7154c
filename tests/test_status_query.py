"""The status query: one statement reads the caller's session, account and authenticator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.applications import Starlette

from services.machinery.clock import FrozenClock
from services.machinery.hashing import PasswordHasher
from tests.support import (
    CONFIRM_ENROLLMENT,
    START_ENROLLMENT,
    GraphQLClient,
    make_team,
    session_for,
    stop_sender,
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
    await stop_sender(app)  # only the request's statements are counted
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
    await stop_sender(app)
    team = await make_team(hasher, clock)
    token = await session_for(team.basic, clock)
    clock.advance(timedelta(seconds=59))
    assert (await status(gql, token))[1] == 1
    clock.advance(timedelta(seconds=2))
    assert (await status(gql, token))[1] == 2  # the read, then lastUsedAt
    assert (await status(gql, token))[1] == 1
    session = (await gql.data("{ viewerSession { lastUsedAt } }", token=token))["viewerSession"]
    assert session["lastUsedAt"].startswith(clock.now().isoformat()[:19])
