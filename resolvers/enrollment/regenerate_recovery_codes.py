"""``regenerateRecoveryCodes``: ten new recovery codes for the caller."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.enrollment.regenerate_recovery_codes import (
    RegenerateRecoveryCodesInput,
    RegenerateRecoveryCodesPayload,
)
from schema.permissions import SIGNED_IN
from schema.types.operator import OperatorNode
from services import self_service


@mutation(
    RegenerateRecoveryCodesPayload,
    description="Replace your recovery codes with ten new ones, proven with a current code.",
    permissions=SIGNED_IN,
)
async def regenerate_recovery_codes(
    info: Info, input: Annotated[RegenerateRecoveryCodesInput, INPUT]
) -> RegenerateRecoveryCodesPayload:
    """Replace the caller's recovery codes, proven with a current code."""
    context = info.context
    operator, session = context.require_session()
    codes = await self_service.regenerate_recovery_codes(
        context.deps, operator, session, input.code
    )
    context.loaders.forget_operator(operator.id)
    return RegenerateRecoveryCodesPayload(
        recovery_codes=codes, operator=OperatorNode.from_model(operator)
    )
