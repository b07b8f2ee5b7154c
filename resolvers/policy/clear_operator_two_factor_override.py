"""``clearOperatorTwoFactorOverride``: let an operator follow the account default again."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.ids import decode_id
from schema.permissions import ADMINISTRATORS
from schema.policy.clear_operator_two_factor_override import (
    ClearOperatorTwoFactorOverrideInput,
    ClearOperatorTwoFactorOverridePayload,
)
from schema.types.operator import OperatorNode
from services.administration import set_override


@mutation(
    ClearOperatorTwoFactorOverridePayload,
    description="Let an operator follow the account default again (administrators).",
    permissions=ADMINISTRATORS,
)
async def clear_operator_two_factor_override(
    info: Info, input: Annotated[ClearOperatorTwoFactorOverrideInput, INPUT]
) -> ClearOperatorTwoFactorOverridePayload:
    """Remove the override of an operator in the caller's account."""
    context = info.context
    operator = await set_override(
        context.deps, *context.require_session(), decode_id(input.operator_id, "Operator"), None
    )
    return ClearOperatorTwoFactorOverridePayload(operator=OperatorNode.from_model(operator))
