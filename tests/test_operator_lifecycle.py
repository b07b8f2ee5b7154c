"""Administrators change roles, deactivate and reactivate operators and lift their locks; an
account always keeps an active administrator, under concurrency too."""

from __future__ import annotations

from typing import Any

from models import Authenticator, Operator, OperatorStatus, Session, TokenPurpose
from services import tokens
from services.clock import FrozenClock
from services.passwords import PasswordHasher
from services.validation import unclaimed_email_key
from tests.support import START_ENROLLMENT, GraphQLClient, make_team, verify


async def run(gql: GraphQLClient, document: str, token: str | None, **variables: Any) -> Any:
    """Run a mutation that must not fail at the top level; return its payload."""
    data = await gql.data(document, variables, token=token)
    return next(iter(data.values()))


def codes(payload: Any) -> list[tuple[str, Any]]:
    """The codes and fields of a payload's userErrors."""
    return [(error["code"], error["field"]) for error in payload["userErrors"]]


async def test_challenges_and_setup_links_of_a_deactivated_operator_are_void(
    gql: GraphQLClient, hasher: PasswordHasher, clock: FrozenClock
) -> None:
    """Even tokens issued in a race with the deactivation (after it deleted the others)."""
    team = await make_team(hasher, clock)
    challenge = await tokens.issue(team.basic.id, TokenPurpose.LOGIN_CHALLENGE, clock.now())
    setup = await tokens.issue(team.basic.id, TokenPurpose.SETUP_FROM_EMAIL, clock.now())
    await Operator.filter(id=team.basic.id).update(
        status=OperatorStatus.DEACTIVATED, email_key=unclaimed_email_key()
    )
    assert codes(await verify(gql, challenge, "123456")) == [
        ("TOKEN_INVALID", ["input", "challengeToken"])
    ]
    started = await run(gql, START_ENROLLMENT, None, setupToken=setup)
    assert codes(started) == [("TOKEN_INVALID", ["input", "setupToken"])]
    assert not await Authenticator.filter(operator_id=team.basic.id).exists()
    assert not await Session.filter(operator_id=team.basic.id).exists()
