"""``disableTwoFactor``: the operator removes their own authenticator (mode OPTIONAL)."""

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


@mutation(
    DisableTwoFactorPayload,
    description="Turn off your own two-factor authentication (only under mode OPTIONAL), "
    "proven with a current code.",
    permissions=SIGNED_IN,
    recent_authentication=True,
)
async def disable_two_factor(
    info: Info, input: Annotated[DisableTwoFactorInput, INPUT]
) -> DisableTwoFactorPayload:
    """Disable the caller's two-factor authentication, proven with a current code."""
    context = info.context
    operator = await own_authenticator.disable(context.deps, *context.require_session(), input.code)
    return DisableTwoFactorPayload(operator=OperatorNode.from_model(operator))
