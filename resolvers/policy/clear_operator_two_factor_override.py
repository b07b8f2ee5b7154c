"""``clearOperatorTwoFactorOverride``: let an operator follow the account default again."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.ids import decode_id
from schema.permissions import POLICY_MANAGERS
from schema.types.operator import OperatorNode
from services.policy.changes import set_override


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


@mutation(
    ClearOperatorTwoFactorOverridePayload,
    description="Let an operator follow the account default again (administrators, or "
    "API keys with MANAGE_TWO_FACTOR_POLICY, which need no recent authentication).",
    permissions=POLICY_MANAGERS,
    recent_authentication=True,
)
async def clear_operator_two_factor_override(
    info: Info, input: Annotated[ClearOperatorTwoFactorOverrideInput, INPUT]
) -> ClearOperatorTwoFactorOverridePayload:
    """Remove the override of an operator in the caller's account."""
    context = info.context
    operator = await set_override(
        context.deps, context.require_acting(), decode_id(input.operator_id, "Operator"), None
    )
    return ClearOperatorTwoFactorOverridePayload(operator=OperatorNode.from_model(operator))
