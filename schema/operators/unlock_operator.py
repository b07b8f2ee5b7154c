"""Input and payload of `unlockOperator`: lift an operator's password and code locks."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.types.operator import OperatorNode


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
