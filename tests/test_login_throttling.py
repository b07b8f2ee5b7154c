"""Login throttling: reserved before hashing, locks per (email, address), email-wide only when
many addresses fail, counts that decay, and the same cost and answers for unknown emails."""

from __future__ import annotations

from typing import Any

from services.clock import FrozenClock
from services.validation import MAX_PASSWORD_LENGTH
from tests.support import PASSWORD, CountingHasher, GraphQLClient, make_team

WRONG = "wrong password, long enough"


def error_code(payload: dict[str, Any]) -> str:
    """The code of the payload's only user error."""
    [error] = payload["userErrors"]
    code: str = error["code"]
    return code


# -- An over-long password costs what a wrong one costs --------------------------------------


async def test_an_over_long_password_costs_one_verification_like_a_wrong_one(
    gql: GraphQLClient, hasher: CountingHasher, clock: FrozenClock
) -> None:
    team = await make_team(hasher, clock)
    answers, costs = [], []
    for email, password in (
        (team.basic.email, WRONG),
        (team.admin.email, "x" * (MAX_PASSWORD_LENGTH + 1)),
        (team.admin.email, PASSWORD + "x" * MAX_PASSWORD_LENGTH),
        ("nobody@acme.example", "x" * 100_000),
    ):
        before = hasher.verifications
        answers.append(await gql.login(email, password))
        costs.append(hasher.verifications - before)
    assert costs == [1, 1, 1, 1]
    assert all(a == answers[0] for a in answers)
    assert error_code(answers[0]) == "INVALID_CREDENTIALS"
