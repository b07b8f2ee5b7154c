"""``verifyTwoFactorCode``: the code step of login."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.auth.verify_two_factor_code import (
    VerifyTwoFactorCodeInput,
    VerifyTwoFactorCodePayload,
)
from schema.context import Info
from schema.permissions import ANYONE
from schema.types.operator import OperatorNode
from services.challenge import verify_login_code


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
        context.deps, input.challenge_token, input.code, client=context.client
    )
    context.loaders.forget_operator(operator.id)
    return VerifyTwoFactorCodePayload(
        session_token=session_token, viewer=OperatorNode.from_model(operator)
    )
