"""``deactivateOperator``: an administrator stops an operator from logging in."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.ids import decode_id
from schema.operators.deactivate_operator import (
    DeactivateOperatorInput,
    DeactivateOperatorPayload,
)
from schema.permissions import ADMINISTRATORS
from schema.types.operator import OperatorNode
from services.operator_lifecycle import deactivate


@mutation(
    DeactivateOperatorPayload,
    description="Deactivate an active operator of your account (administrators): they can "
    "no longer log in, every session of theirs ends at once and their pending login "
    "challenges and links stop working; their history and two-factor setup are kept. "
    "Invited operators are revoked with revokeInvitation instead (INVALID_INPUT here); the "
    "last active administrator cannot be deactivated (LAST_ADMINISTRATOR). Deactivating "
    "yourself ends your own session.",
    permissions=ADMINISTRATORS,
)
async def deactivate_operator(
    info: Info, input: Annotated[DeactivateOperatorInput, INPUT]
) -> DeactivateOperatorPayload:
    """Deactivate an operator of the caller's account."""
    context = info.context
    viewer, session = context.require_session()
    operator = await deactivate(
        context.deps, viewer, session, decode_id(input.operator_id, "Operator")
    )
    context.sessions_ended_for(operator.id)
    return DeactivateOperatorPayload(operator=OperatorNode.from_model(operator))
