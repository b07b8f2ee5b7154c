"""``verifyTwoFactorCode``: the code step of login."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.permissions import ANYONE
from schema.types.operator import OperatorNode
from services.auth.code_step import verify_login_code


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


@mutation(
    VerifyTwoFactorCodePayload,
    description="Second step of login: a TOTP or recovery code for the challenge token. "
    "Every attempt counts towards the operator's lock.",
    permissions=ANYONE,
)
async def verify_two_factor_code(
    info: Info, input: Annotated[VerifyTwoFactorCodeInput, INPUT]
) -> VerifyTwoFactorCodePayload:
    """Exchange a challenge token and a right code for a session."""
    context = info.context
    operator, session_token = await verify_login_code(
        context.deps, input.challenge_token, input.code
    )
    return VerifyTwoFactorCodePayload(
        session_token=session_token, viewer=OperatorNode.from_model(operator)
    )
