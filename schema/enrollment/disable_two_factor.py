"""Input and payload of `disableTwoFactor`: the operator turns off their own 2FA (mode OPTIONAL)."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.types.operator import OperatorNode


@strawberry.input(description="A current code, proving the operator still holds the factor.")
class DisableTwoFactorInput:
    """Arguments of ``disableTwoFactor``."""

    code: str = strawberry.field(description="A 6-digit code from the app, or a recovery code.")


@strawberry.type(description="Result of `disableTwoFactor`.")
class DisableTwoFactorPayload:
    """What ``disableTwoFactor`` answers."""

    operator: OperatorNode | None = strawberry.field(
        default=None, description="The operator, now without an authenticator."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )
