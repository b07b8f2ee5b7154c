"""``setAccountTrustedDeviceDays``: how long a remembered browser skips the second factor."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.permissions import POLICY_MANAGERS
from schema.types.account import AccountNode
from services.policy.trusted_device_days import set_trusted_device_days


@strawberry.input(description="The account's new trusted-device setting.")
class SetAccountTrustedDeviceDaysInput:
    """Arguments of ``setAccountTrustedDeviceDays``."""

    days: int = strawberry.field(
        description="0 (off) to 30: days a browser remembered at the second factor skips it."
    )


@strawberry.type(description="Result of `setAccountTrustedDeviceDays`.")
class SetAccountTrustedDeviceDaysPayload:
    """What ``setAccountTrustedDeviceDays`` answers."""

    account: AccountNode | None = strawberry.field(
        default=None, description="The account with its new setting."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the change was refused, if it was."
    )


@mutation(
    SetAccountTrustedDeviceDaysPayload,
    description="Set how many days (0 to 30, 0 = off) a browser remembered at the second "
    "factor skips it at later logins (administrators, or API keys with "
    "MANAGE_TWO_FACTOR_POLICY, which need no recent authentication). 0 forgets every "
    "trusted device of the account; fewer days shorten existing devices to their creation "
    "plus the new days; more days apply to devices remembered from now on.",
    permissions=POLICY_MANAGERS,
    recent_authentication=True,
)
async def set_account_trusted_device_days(
    info: Info, input: Annotated[SetAccountTrustedDeviceDaysInput, INPUT]
) -> SetAccountTrustedDeviceDaysPayload:
    """Set the trusted-device days of the caller's account."""
    context = info.context
    account = await set_trusted_device_days(context.deps, context.require_acting(), input.days)
    return SetAccountTrustedDeviceDaysPayload(account=AccountNode.from_model(account))
