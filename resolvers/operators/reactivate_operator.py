"""``reactivateOperator``: an administrator lets a deactivated operator log in again."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.ids import decode_id
from schema.operators.reactivate_operator import (
    ReactivateOperatorInput,
    ReactivateOperatorPayload,
)
from schema.permissions import ADMINISTRATORS
from schema.types.operator import OperatorNode
from services.operator_lifecycle import reactivate


@mutation(
    ReactivateOperatorPayload,
    description="Reactivate a deactivated operator of your account (administrators): they "
    "log in again with their email and password, their two-factor setup as they left it. "
    "EMAIL_TAKEN when another active operator has claimed the email meanwhile.",
    permissions=ADMINISTRATORS,
)
async def reactivate_operator(
    info: Info, input: Annotated[ReactivateOperatorInput, INPUT]
) -> ReactivateOperatorPayload:
    """Reactivate an operator of the caller's account."""
    context = info.context
    operator = await reactivate(
        context.deps, *context.require_session(), decode_id(input.operator_id, "Operator")
    )
    context.loaders.forget_operator(operator.id)
    return ReactivateOperatorPayload(operator=OperatorNode.from_model(operator))
