"""``verifyTwoFactorCode``: the code step of login."""

from __future__ import annotations

from typing import Annotated

from resolvers.errors import returns_user_errors
from schema.context import Info
from schema.mutations import INPUT
from schema.mutations.auth import VerifyTwoFactorCodeInput, VerifyTwoFactorCodePayload
from schema.types.operator import OperatorNode
from services.challenge import verify_login_code


@returns_user_errors(VerifyTwoFactorCodePayload)
async def verify_two_factor_code(
    info: Info, input: Annotated[VerifyTwoFactorCodeInput, INPUT]
) -> VerifyTwoFactorCodePayload:
    """Exchange a challenge token and a right code for a session."""
    context = info.context
    operator, session_token = await verify_login_code(
        input.challenge_token,
        input.code,
        box=context.deps.box,
        hasher=context.deps.hasher,
        outbox=context.deps.outbox,
        now=context.now(),
    )
    context.loaders.forget_operator(operator.id)
    return VerifyTwoFactorCodePayload(
        session_token=session_token, viewer=OperatorNode.from_model(operator)
    )
