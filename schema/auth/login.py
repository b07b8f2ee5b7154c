"""Input and payload of `login`: email and password."""

from __future__ import annotations

import strawberry

from schema.enums import LoginOutcome
from schema.errors import UserError
from schema.types.operator import OperatorNode


@strawberry.input(description="Email and password of an operator.")
class LoginInput:
    """Arguments of ``login``."""

    email: str = strawberry.field(description="The operator's email (case-insensitive).")
    password: str = strawberry.field(description="The operator's password.")


@strawberry.type(description="Result of `login`.")
class LoginPayload:
    """What ``login`` answers."""

    outcome: LoginOutcome | None = strawberry.field(
        default=None, description="What the login led to; null when it failed."
    )
    session_token: str | None = strawberry.field(
        default=None, description="Bearer token, with outcome AUTHENTICATED."
    )
    challenge_token: str | None = strawberry.field(
        default=None, description="Token for verifyTwoFactorCode, with TWO_FACTOR_CODE_REQUIRED."
    )
    viewer: OperatorNode | None = strawberry.field(
        default=None,
        description="The operator, with outcome AUTHENTICATED only: nothing about them is "
        "shown before the second factor.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the login failed, if it did."
    )
