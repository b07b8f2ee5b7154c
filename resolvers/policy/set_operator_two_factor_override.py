"""``setOperatorTwoFactorOverride``: give one operator their own mode."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.ids import decode_id
from schema.permissions import ADMINISTRATORS
from schema.policy.set_operator_two_factor_override import (
    SetOperatorTwoFactorOverrideInput,
    SetOperatorTwoFactorOverridePayload,
)
from schema.types.operator import OperatorNode
from services.administration import set_override


@mutation(
    SetOperatorTwoFactorOverridePayload,
    description="Override the account default for one operator (administrators).",
    permissions=ADMINISTRATORS,
)
async def set_operator_two_factor_override(
    info: Info, input: Annotated[SetOperatorTwoFactorOverrideInput, INPUT]
) -> SetOperatorTwoFactorOverridePayload:
    """Set the override of an operator in the caller's account."""
    context = info.context
    operator = await set_override(
        context.deps,
        *context.require_session(),
        decode_id(input.operator_id, "Operator"),
        input.mode,
    )
    return SetOperatorTwoFactorOverridePayload(operator=OperatorNode.from_model(operator))
