"""``reactivateOperator``: an administrator lets a deactivated operator log in again."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.ids import decode_id
from schema.permissions import OPERATOR_MANAGERS
from schema.types.operator import OperatorNode
from services.operators.lifecycle import reactivate


@strawberry.input(description="The deactivated operator to reactivate.")
class ReactivateOperatorInput:
    """Arguments of ``reactivateOperator``."""

    operator_id: strawberry.ID = strawberry.field(
        description="Global id of a deactivated operator of your account."
    )


@strawberry.type(description="Result of `reactivateOperator`.")
class ReactivateOperatorPayload:
    """What ``reactivateOperator`` answers."""

    operator: OperatorNode | None = strawberry.field(
        default=None, description="The operator, ACTIVE again."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the operator was not reactivated, if so."
    )


@mutation(
    ReactivateOperatorPayload,
    description="Reactivate a deactivated operator of your account (administrators, or API keys "
    "with MANAGE_OPERATORS, which need no recent authentication): they log in again "
    "with their email and password, their two-factor setup as they left it. EMAIL_TAKEN "
    "when another active operator has claimed the email meanwhile.",
    permissions=OPERATOR_MANAGERS,
    recent_authentication=True,
)
async def reactivate_operator(
    info: Info, input: Annotated[ReactivateOperatorInput, INPUT]
) -> ReactivateOperatorPayload:
    """Reactivate an operator of the caller's account."""
    context = info.context
    operator = await reactivate(
        context.deps, context.require_acting(), decode_id(input.operator_id, "Operator")
    )
    return ReactivateOperatorPayload(operator=OperatorNode.from_model(operator))
