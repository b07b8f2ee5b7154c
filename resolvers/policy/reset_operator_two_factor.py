"""``resetOperatorTwoFactor``: an administrator removes an operator's two-factor setup."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.ids import decode_id
from schema.permissions import ADMINISTRATORS
from schema.policy.reset_operator_two_factor import (
    ResetOperatorTwoFactorInput,
    ResetOperatorTwoFactorPayload,
)
from schema.types.operator import OperatorNode
from services.administration import reset_two_factor


@mutation(
    ResetOperatorTwoFactorPayload,
    description="Remove an operator's authenticator, pending enrollment and recovery codes, "
    "and end their sessions (administrators).",
    permissions=ADMINISTRATORS,
)
async def reset_operator_two_factor(
    info: Info, input: Annotated[ResetOperatorTwoFactorInput, INPUT]
) -> ResetOperatorTwoFactorPayload:
    """Reset the two-factor setup of an operator in the caller's account."""
    context = info.context
    viewer, session = context.require_session()
    operator = await reset_two_factor(
        context.deps, viewer, session, decode_id(input.operator_id, "Operator")
    )
    context.sessions_ended_for(operator.id)
    return ResetOperatorTwoFactorPayload(operator=OperatorNode.from_model(operator))
