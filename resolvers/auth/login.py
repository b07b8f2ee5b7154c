"""``login``: email and password, then a session, a code step or a setup email."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.enums import LoginOutcome, SecondFactorMethod
from schema.errors import UserError
from schema.permissions import ANYONE
from schema.types.operator import OperatorNode
from services.auth import login as login_service


@strawberry.input(description="Email and password of an operator.")
class LoginInput:
    """Arguments of ``login``."""

    email: str = strawberry.field(description="The operator's email (case-insensitive).")
    password: str = strawberry.field(description="The operator's password.")
    device_token: str | None = strawberry.field(
        default=None,
        description="A deviceToken from verifyTwoFactorCode on this browser: while valid it "
        "stands for the second factor (never for the password). An invalid one is ignored.",
    )


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
    available_second_factors: list[SecondFactorMethod] = strawberry.field(
        default_factory=list,
        description="What the code step accepts, with outcome TWO_FACTOR_CODE_REQUIRED; "
        "otherwise empty.",
    )
    viewer: OperatorNode | None = strawberry.field(
        default=None,
        description="The operator, with outcome AUTHENTICATED only: nothing about them is "
        "shown before the second factor.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the login failed, if it did."
    )


@mutation(
    LoginPayload,
    description="Log in with email and password. Depending on the operator's policy this "
    "gives a session, asks for a code, or emails a two-factor setup link.",
    permissions=ANYONE,
)
async def login(info: Info, input: Annotated[LoginInput, INPUT]) -> LoginPayload:
    """Check the credentials and report what the login led to."""
    context = info.context
    result = await login_service.login(
        context.deps, input.email, input.password, input.device_token
    )
    signed_in = result.outcome is login_service.LoginOutcome.AUTHENTICATED
    return LoginPayload(
        outcome=result.outcome,
        session_token=result.session_token,
        challenge_token=result.challenge_token,
        available_second_factors=list(result.available_second_factors),
        # Nothing about the operator before the second factor: the password alone is not
        # enough to read their account, policy or recovery codes.
        viewer=OperatorNode.from_model(result.operator) if signed_in else None,
    )
