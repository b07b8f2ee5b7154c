"""``resetOperatorTwoFactor``: an administrator removes an operator's two-factor setup."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.ids import decode_id
from schema.permissions import POLICY_MANAGERS
from schema.types.operator import OperatorNode
from services.policy.changes import reset_two_factor


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


@mutation(
    ResetOperatorTwoFactorPayload,
    description="Remove an operator's authenticator, pending enrollment and recovery "
    "codes, end their sessions, login challenges and setup links, and email them "
    "(administrators, or API keys with MANAGE_TWO_FACTOR_POLICY, which need no recent "
    "authentication). It also ends their grace period: as long as two-factor "
    "authentication stays required of them, their next login emails a setup link and "
    "issues no session. An operator with nothing set up (state NOT_CONFIGURED) is refused "
    "with NOT_CONFIGURED, and nothing is changed, audited or emailed.",
    permissions=POLICY_MANAGERS,
    recent_authentication=True,
)
async def reset_operator_two_factor(
    info: Info, input: Annotated[ResetOperatorTwoFactorInput, INPUT]
) -> ResetOperatorTwoFactorPayload:
    """Reset the two-factor setup of an operator in the caller's account."""
    context = info.context
    operator = await reset_two_factor(
        context.deps, context.require_acting(), decode_id(input.operator_id, "Operator")
    )
    return ResetOperatorTwoFactorPayload(operator=OperatorNode.from_model(operator))
