"""Input and payload of `changeOperatorRole`: make an operator an administrator, or not."""

from __future__ import annotations

import strawberry

from schema.enums import OperatorRole
from schema.errors import UserError
from schema.types.operator import OperatorNode


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
