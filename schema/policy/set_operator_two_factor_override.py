"""Input and payload of `setOperatorTwoFactorOverride`: one operator's own mode."""

from __future__ import annotations

import strawberry

from schema.enums import TwoFactorMode
from schema.errors import UserError
from schema.types.operator import OperatorNode


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
