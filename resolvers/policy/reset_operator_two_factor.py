"""``resetOperatorTwoFactor``: an administrator removes an operator's two-factor setup."""

from __future__ import annotations

from typing import Annotated

from resolvers.errors import returns_user_errors
from schema.context import Info
from schema.ids import decode_id
from schema.mutations import INPUT
from schema.mutations.two_factor import ResetOperatorTwoFactorInput, ResetOperatorTwoFactorPayload
from schema.types.operator import OperatorNode
from services.administration import reset_two_factor


@returns_user_errors(ResetOperatorTwoFactorPayload)
async def reset_operator_two_factor(
    info: Info, input: Annotated[ResetOperatorTwoFactorInput, INPUT]
) -> ResetOperatorTwoFactorPayload:
    """Reset the two-factor setup of an operator in the caller's account."""
    context = info.context
    operator = await reset_two_factor(
        context.require_viewer(),
        decode_id(input.operator_id, "Operator"),
        outbox=context.deps.outbox,
        now=context.now(),
    )
    context.loaders.forget_operator(operator.id)
    if context.viewer is not None and operator.id == context.viewer.id:
        context.end_session()  # an administrator who resets themselves is logged out
    return ResetOperatorTwoFactorPayload(operator=OperatorNode.from_model(operator))
