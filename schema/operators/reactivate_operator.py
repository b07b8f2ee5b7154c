"""Input and payload of `reactivateOperator`: let a deactivated operator log in again."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.types.operator import OperatorNode


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
