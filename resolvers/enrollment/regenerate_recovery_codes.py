"""``regenerateRecoveryCodes``: ten new recovery codes for the caller."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.permissions import SIGNED_IN
from schema.types.operator import OperatorNode
from services.enrollment import own_authenticator


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


@mutation(
    RegenerateRecoveryCodesPayload,
    description="Replace your recovery codes with ten new ones, proven with a current code.",
    permissions=SIGNED_IN,
    recent_authentication=True,
)
async def regenerate_recovery_codes(
    info: Info, input: Annotated[RegenerateRecoveryCodesInput, INPUT]
) -> RegenerateRecoveryCodesPayload:
    """Replace the caller's recovery codes, proven with a current code."""
    context = info.context
    operator, session = context.require_session()
    codes = await own_authenticator.regenerate_recovery_codes(
        context.deps, operator, session, input.code
    )
    return RegenerateRecoveryCodesPayload(
        recovery_codes=codes, operator=OperatorNode.from_model(operator)
    )
