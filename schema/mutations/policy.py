"""Inputs and payloads of the administrators' policy mutations."""

from __future__ import annotations

import strawberry

from schema.enums import TwoFactorMode
from schema.errors import UserError
from schema.types.account import AccountNode
from schema.types.operator import OperatorNode


@strawberry.input(description="The new account-wide two-factor default.")
class SetAccountTwoFactorDefaultInput:
    """Arguments of ``setAccountTwoFactorDefault``."""

    mode: TwoFactorMode = strawberry.field(description="Mode for operators without an override.")


@strawberry.type(description="Result of `setAccountTwoFactorDefault`.")
class SetAccountTwoFactorDefaultPayload:
    """What ``setAccountTwoFactorDefault`` answers."""

    account: AccountNode | None = strawberry.field(
        default=None, description="The account with its new default."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the change was refused, if it was."
    )


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
