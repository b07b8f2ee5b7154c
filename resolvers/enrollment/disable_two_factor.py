"""``disableTwoFactor``: the operator removes their own authenticator (mode OPTIONAL)."""

from __future__ import annotations

from typing import Annotated

from resolvers.errors import returns_user_errors
from schema.context import Info
from schema.mutations import INPUT
from schema.mutations.two_factor import DisableTwoFactorInput, DisableTwoFactorPayload
from schema.types.operator import OperatorNode
from services import self_service


@returns_user_errors(DisableTwoFactorPayload)
async def disable_two_factor(
    info: Info, input: Annotated[DisableTwoFactorInput, INPUT]
) -> DisableTwoFactorPayload:
    """Disable the caller's two-factor authentication, proven with a current code."""
    context = info.context
    operator = await self_service.disable(
        context.require_viewer(),
        input.code,
        box=context.deps.box,
        hasher=context.deps.hasher,
        outbox=context.deps.outbox,
        now=context.now(),
    )
    context.loaders.forget_operator(operator.id)
    return DisableTwoFactorPayload(operator=OperatorNode.from_model(operator))
