"""Input and payload of `resetOperatorTwoFactor`: remove an operator's two-factor setup."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.types.operator import OperatorNode


@strawberry.input(description="The operator whose two-factor setup an administrator removes.")
class ResetOperatorTwoFactorInput:
    """Arguments of ``resetOperatorTwoFactor``."""

    operator_id: strawberry.ID = strawberry.field(description="Global id of an operator.")


@strawberry.type(description="Result of `resetOperatorTwoFactor`.")
class ResetOperatorTwoFactorPayload:
    """What ``resetOperatorTwoFactor`` answers."""

    operator: OperatorNode | None = strawberry.field(
        default=None, description="The operator, now without an authenticator or sessions."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )
