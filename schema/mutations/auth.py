"""Inputs and payloads of login, code verification and logout."""

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
        default=None, description="The operator, once the password was accepted."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the login failed, if it did."
    )


@strawberry.type(description="Result of `logout`.")
class LogoutPayload:
    """What ``logout`` answers."""

    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Always empty: logging out cannot fail."
    )


@strawberry.input(description="The second step of a login: a code for the challenge.")
class VerifyTwoFactorCodeInput:
    """Arguments of ``verifyTwoFactorCode``."""

    challenge_token: str = strawberry.field(description="The challengeToken from login.")
    code: str = strawberry.field(
        description="A 6-digit code from the authenticator app, or an unused recovery code."
    )


@strawberry.type(description="Result of `verifyTwoFactorCode`.")
class VerifyTwoFactorCodePayload:
    """What ``verifyTwoFactorCode`` answers."""

    session_token: str | None = strawberry.field(
        default=None, description="Bearer token of the new session, when the code was right."
    )
    viewer: OperatorNode | None = strawberry.field(
        default=None, description="The operator now logged in."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the code was refused, if it was."
    )
