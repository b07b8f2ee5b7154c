"""``regenerateRecoveryCodes``: ten new recovery codes for the caller."""

from __future__ import annotations

from typing import Annotated

from resolvers.errors import returns_user_errors
from schema.context import Info
from schema.mutations import INPUT
from schema.mutations.two_factor import (
    RegenerateRecoveryCodesInput,
    RegenerateRecoveryCodesPayload,
)
from schema.types.operator import OperatorNode
from services import self_service


@returns_user_errors(RegenerateRecoveryCodesPayload)
async def regenerate_recovery_codes(
    info: Info, input: Annotated[RegenerateRecoveryCodesInput, INPUT]
) -> RegenerateRecoveryCodesPayload:
    """Replace the caller's recovery codes, proven with a current code."""
    context = info.context
    operator = context.require_viewer()
    codes = await self_service.regenerate_recovery_codes(
        operator,
        input.code,
        box=context.deps.box,
        hasher=context.deps.hasher,
        outbox=context.deps.outbox,
        now=context.now(),
    )
    context.loaders.forget_operator(operator.id)
    return RegenerateRecoveryCodesPayload(
        recovery_codes=codes, operator=OperatorNode.from_model(operator)
    )
