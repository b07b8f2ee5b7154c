"""Input and payload of `setAccountTwoFactorDefault`: the account-wide mode."""

from __future__ import annotations

import strawberry

from schema.enums import TwoFactorMode
from schema.errors import UserError
from schema.types.account import AccountNode


@strawberry.input(description="The new account-wide two-factor default.")
class SetAccountTwoFactorDefaultInput:
    """Arguments of ``setAccountTwoFactorDefault``."""

    mode: TwoFactorMode = strawberry.field(description="Mode for operators without an override.")
    grace_period_hours: int | None = strawberry.field(
        default=None,
        description="Hours (0 to 720, default 0) during which operators who become required "
        "and have not set up 2FA may still log in with their password; they get the setup "
        "email at each such login.",
    )


@strawberry.type(description="Result of `setAccountTwoFactorDefault`.")
class SetAccountTwoFactorDefaultPayload:
    """What ``setAccountTwoFactorDefault`` answers."""

    account: AccountNode | None = strawberry.field(
        default=None, description="The account with its new default."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the change was refused, if it was."
    )
