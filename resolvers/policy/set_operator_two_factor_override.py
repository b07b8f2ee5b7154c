"""``setOperatorTwoFactorOverride``: give one operator their own mode."""

from __future__ import annotations

from typing import Annotated

from resolvers.errors import returns_user_errors
from schema.context import Info
from schema.ids import decode_id
from schema.mutations import INPUT
from schema.mutations.policy import (
    SetOperatorTwoFactorOverrideInput,
    SetOperatorTwoFactorOverridePayload,
)
from schema.types.operator import OperatorNode
from services.administration import set_override


@returns_user_errors(SetOperatorTwoFactorOverridePayload)
async def set_operator_two_factor_override(
    info: Info, input: Annotated[SetOperatorTwoFactorOverrideInput, INPUT]
) -> SetOperatorTwoFactorOverridePayload:
    """Set the override of an operator in the caller's account."""
    context = info.context
    operator = await set_override(
        context.require_viewer(),
        decode_id(input.operator_id, "Operator"),
        input.mode,
        context.now(),
    )
    return SetOperatorTwoFactorOverridePayload(operator=OperatorNode.from_model(operator))
