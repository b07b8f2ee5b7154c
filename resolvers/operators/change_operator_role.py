"""``changeOperatorRole``: an administrator gives an operator another role."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.enums import OperatorRole
from schema.errors import UserError
from schema.ids import decode_id
from schema.permissions import OPERATOR_MANAGERS
from schema.types.operator import OperatorNode
from services.operators.lifecycle import change_role


@strawberry.input(description="An operator and the role they get.")
class ChangeOperatorRoleInput:
    """Arguments of ``changeOperatorRole``."""

    operator_id: strawberry.ID = strawberry.field(
        description="Global id of an operator of your account (yourself included)."
    )
    role: OperatorRole = strawberry.field(description="The role the operator gets.")


@strawberry.type(description="Result of `changeOperatorRole`.")
class ChangeOperatorRolePayload:
    """What ``changeOperatorRole`` answers."""

    operator: OperatorNode | None = strawberry.field(
        default=None, description="The operator with their role as it now is."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the change was refused, if it was."
    )


@mutation(
    ChangeOperatorRolePayload,
    description="Make an operator of your account an administrator or a basic operator "
    "(administrators, or API keys with MANAGE_OPERATORS, which need no recent "
    "authentication). It applies from the operator's next request. The account keeps at "
    "least one active administrator: demoting the last one is LAST_ADMINISTRATOR.",
    permissions=OPERATOR_MANAGERS,
    recent_authentication=True,
)
async def change_operator_role(
    info: Info, input: Annotated[ChangeOperatorRoleInput, INPUT]
) -> ChangeOperatorRolePayload:
    """Change the role of an operator in the caller's account."""
    context = info.context
    operator = await change_role(
        context.deps, context.require_acting(), decode_id(input.operator_id, "Operator"), input.role
    )
    return ChangeOperatorRolePayload(operator=OperatorNode.from_model(operator))
