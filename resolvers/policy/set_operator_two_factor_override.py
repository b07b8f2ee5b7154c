"""``setOperatorTwoFactorOverride``: give one operator their own mode."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.enums import TwoFactorMode
from schema.errors import UserError
from schema.ids import decode_id
from schema.permissions import POLICY_MANAGERS
from schema.types.operator import OperatorNode
from services.policy.changes import set_override


@strawberry.input(description="An operator and the mode that overrides the account default.")
class SetOperatorTwoFactorOverrideInput:
    """Arguments of ``setOperatorTwoFactorOverride``."""

    operator_id: strawberry.ID = strawberry.field(description="Global id of an operator.")
    mode: TwoFactorMode = strawberry.field(description="Mode that wins over the default.")


@strawberry.type(description="Result of `setOperatorTwoFactorOverride`.")
class SetOperatorTwoFactorOverridePayload:
    """What ``setOperatorTwoFactorOverride`` answers."""

    operator: OperatorNode | None = strawberry.field(
        default=None, description="The operator with the override set."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the change was refused, if it was."
    )


@mutation(
    SetOperatorTwoFactorOverridePayload,
    description="Override the account default for one operator (administrators, or API keys with "
    "MANAGE_TWO_FACTOR_POLICY, which need no recent authentication).",
    permissions=POLICY_MANAGERS,
    recent_authentication=True,
)
async def set_operator_two_factor_override(
    info: Info, input: Annotated[SetOperatorTwoFactorOverrideInput, INPUT]
) -> SetOperatorTwoFactorOverridePayload:
    """Set the override of an operator in the caller's account."""
    context = info.context
    operator = await set_override(
        context.deps,
        context.require_acting(),
        decode_id(input.operator_id, "Operator"),
        input.mode,
    )
    return SetOperatorTwoFactorOverridePayload(operator=OperatorNode.from_model(operator))
