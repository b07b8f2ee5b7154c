"""``changeOperatorRole``: an administrator gives an operator another role."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.ids import decode_id
from schema.operators.change_operator_role import (
    ChangeOperatorRoleInput,
    ChangeOperatorRolePayload,
)
from schema.permissions import ADMINISTRATORS
from schema.types.operator import OperatorNode
from services.operator_lifecycle import change_role


@mutation(
    ChangeOperatorRolePayload,
    description="Make an operator of your account an administrator or a basic operator "
    "(administrators). It applies from the operator's next request. The account keeps at "
    "least one active administrator: demoting the last one is LAST_ADMINISTRATOR.",
    permissions=ADMINISTRATORS,
)
async def change_operator_role(
    info: Info, input: Annotated[ChangeOperatorRoleInput, INPUT]
) -> ChangeOperatorRolePayload:
    """Change the role of an operator in the caller's account."""
    context = info.context
    viewer, session = context.require_session()
    operator = await change_role(
        context.deps, viewer, session, decode_id(input.operator_id, "Operator"), input.role
    )
    if operator.id == viewer.id:
        viewer.role = operator.role  # the rest of this request runs with the new role
    return ChangeOperatorRolePayload(operator=OperatorNode.from_model(operator))
