"""``unlockOperator``: an administrator lifts an operator's password and code locks."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.ids import decode_id
from schema.operators.unlock_operator import UnlockOperatorInput, UnlockOperatorPayload
from schema.permissions import ADMINISTRATORS
from schema.types.operator import OperatorNode
from services.operator_lifecycle import unlock


@mutation(
    UnlockOperatorPayload,
    description="Lift the password and code locks of an operator of your account and forget "
    "their failed attempts (administrators): their login email (from every address), "
    "their codes and their reauthentication. Locks on a client address, whatever email is "
    "typed from it, are not an operator's and stay.",
    permissions=ADMINISTRATORS,
)
async def unlock_operator(
    info: Info, input: Annotated[UnlockOperatorInput, INPUT]
) -> UnlockOperatorPayload:
    """Unlock an operator of the caller's account."""
    context = info.context
    operator = await unlock(
        context.deps, *context.require_session(), decode_id(input.operator_id, "Operator")
    )
    context.loaders.forget_operator(operator.id)
    return UnlockOperatorPayload(operator=OperatorNode.from_model(operator))
