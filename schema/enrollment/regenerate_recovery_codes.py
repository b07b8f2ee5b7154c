"""Input and payload of `regenerateRecoveryCodes`: ten new recovery codes."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.types.operator import OperatorNode


@strawberry.input(description="A current code, proving the operator still holds the factor.")
class RegenerateRecoveryCodesInput:
    """Arguments of ``regenerateRecoveryCodes``."""

    code: str = strawberry.field(description="A 6-digit code from the app, or a recovery code.")


@strawberry.type(description="Result of `regenerateRecoveryCodes`.")
class RegenerateRecoveryCodesPayload:
    """What ``regenerateRecoveryCodes`` answers."""

    recovery_codes: list[str] | None = strawberry.field(
        default=None, description="Ten new single-use codes, shown this once; the old ones die."
    )
    operator: OperatorNode | None = strawberry.field(
        default=None, description="The operator the codes belong to."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )
