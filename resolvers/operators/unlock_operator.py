"""``unlockOperator``: an administrator lifts an operator's password and code locks."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.ids import decode_id
from schema.permissions import OPERATOR_MANAGERS
from schema.types.operator import OperatorNode
from services.operators.lifecycle import unlock


@strawberry.input(description="The operator whose locks to lift.")
class UnlockOperatorInput:
    """Arguments of ``unlockOperator``."""

    operator_id: strawberry.ID = strawberry.field(
        description="Global id of an operator of your account."
    )


@strawberry.type(description="Result of `unlockOperator`.")
class UnlockOperatorPayload:
    """What ``unlockOperator`` answers."""

    operator: OperatorNode | None = strawberry.field(
        default=None, description="The operator, now without locks or counted failures."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was unlocked, if so."
    )


@mutation(
    UnlockOperatorPayload,
    description="Lift the password and code locks of an operator of your account and forget their "
    "failed attempts (administrators, or API keys with MANAGE_OPERATORS, which need no "
    "recent authentication): their login email (from every address), their codes and "
    "their reauthentication. Locks on a client address, whatever email is typed from "
    "it, are not an operator's and stay.",
    permissions=OPERATOR_MANAGERS,
    recent_authentication=True,
)
async def unlock_operator(
    info: Info, input: Annotated[UnlockOperatorInput, INPUT]
) -> UnlockOperatorPayload:
    """Unlock an operator of the caller's account."""
    context = info.context
    operator = await unlock(
        context.deps, context.require_acting(), decode_id(input.operator_id, "Operator")
    )
    return UnlockOperatorPayload(operator=OperatorNode.from_model(operator))
