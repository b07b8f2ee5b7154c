"""``setAccountTwoFactorDefault``: change the account-wide mode."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.enums import TwoFactorMode
from schema.errors import UserError
from schema.permissions import POLICY_MANAGERS
from schema.types.account import AccountNode
from services.policy.changes import set_account_default


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
    enforce_from: datetime | None = strawberry.field(
        default=None,
        description="Scheduled enforcement, at most 180 days ahead: no operator's setup "
        "deadline falls before it, so under REQUIRED everyone may still log in with their "
        "password until then. Null (the default) schedules nothing and clears a schedule.",
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


@mutation(
    SetAccountTwoFactorDefaultPayload,
    description="Set the account-wide two-factor mode (administrators, or API keys with "
    "MANAGE_TWO_FACTOR_POLICY, which need no recent authentication).",
    permissions=POLICY_MANAGERS,
    recent_authentication=True,
)
async def set_account_two_factor_default(
    info: Info, input: Annotated[SetAccountTwoFactorDefaultInput, INPUT]
) -> SetAccountTwoFactorDefaultPayload:
    """Set the default of the caller's account."""
    context = info.context
    account = await set_account_default(
        context.deps,
        context.require_acting(),
        input.mode,
        input.grace_period_hours if input.grace_period_hours is not None else 0,
        input.enforce_from,
    )
    return SetAccountTwoFactorDefaultPayload(account=AccountNode.from_model(account))
