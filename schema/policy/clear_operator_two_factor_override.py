"""Input and payload of `clearOperatorTwoFactorOverride`: follow the account default again."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.types.operator import OperatorNode


@strawberry.input(description="An operator who should follow the account default again.")
class ClearOperatorTwoFactorOverrideInput:
    """Arguments of ``clearOperatorTwoFactorOverride``."""

    operator_id: strawberry.ID = strawberry.field(description="Global id of an operator.")


@strawberry.type(description="Result of `clearOperatorTwoFactorOverride`.")
class ClearOperatorTwoFactorOverridePayload:
    """What ``clearOperatorTwoFactorOverride`` answers."""

    operator: OperatorNode | None = strawberry.field(
        default=None, description="The operator, now following the account default."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the change was refused, if it was."
    )
