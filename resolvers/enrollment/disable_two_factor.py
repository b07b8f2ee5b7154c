"""``disableTwoFactor``: the operator removes their own authenticator (mode OPTIONAL)."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.enrollment.disable_two_factor import DisableTwoFactorInput, DisableTwoFactorPayload
from schema.permissions import SIGNED_IN
from schema.types.operator import OperatorNode
from services import self_service


@mutation(
    DisableTwoFactorPayload,
    description="Turn off your own two-factor authentication (only under mode OPTIONAL), "
    "proven with a current code.",
    permissions=SIGNED_IN,
)
async def disable_two_factor(
    info: Info, input: Annotated[DisableTwoFactorInput, INPUT]
) -> DisableTwoFactorPayload:
    """Disable the caller's two-factor authentication, proven with a current code."""
    context = info.context
    operator = await self_service.disable(context.deps, *context.require_session(), input.code)
    context.loaders.forget_operator(operator.id)
    return DisableTwoFactorPayload(operator=OperatorNode.from_model(operator))
