"""``deactivateOperator``: an administrator stops an operator from logging in."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.ids import decode_id
from schema.permissions import OPERATOR_MANAGERS
from schema.types.operator import OperatorNode
from services.operators.lifecycle import deactivate


@strawberry.input(description="The active operator to deactivate.")
class DeactivateOperatorInput:
    """Arguments of ``deactivateOperator``."""

    operator_id: strawberry.ID = strawberry.field(
        description="Global id of an active operator of your account (yourself included)."
    )


@strawberry.type(description="Result of `deactivateOperator`.")
class DeactivateOperatorPayload:
    """What ``deactivateOperator`` answers."""

    operator: OperatorNode | None = strawberry.field(
        default=None, description="The operator, now DEACTIVATED and without sessions."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the operator was not deactivated, if so."
    )


@mutation(
    DeactivateOperatorPayload,
    description="Deactivate an active operator of your account (administrators, or API keys with "
    "MANAGE_OPERATORS, which need no recent authentication): they can no longer log in, "
    "every session of theirs ends at once and their pending login challenges and links "
    "stop working; their history and two-factor setup are kept. Invited operators are "
    "revoked with revokeInvitation instead (INVALID_INPUT here); the last active "
    "administrator cannot be deactivated (LAST_ADMINISTRATOR). Deactivating yourself "
    "ends your own session.",
    permissions=OPERATOR_MANAGERS,
    recent_authentication=True,
)
async def deactivate_operator(
    info: Info, input: Annotated[DeactivateOperatorInput, INPUT]
) -> DeactivateOperatorPayload:
    """Deactivate an operator of the caller's account."""
    context = info.context
    operator = await deactivate(
        context.deps, context.require_acting(), decode_id(input.operator_id, "Operator")
    )
    return DeactivateOperatorPayload(operator=OperatorNode.from_model(operator))
