"""Input and payload of `deactivateOperator`: stop an operator from logging in."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.types.operator import OperatorNode


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
