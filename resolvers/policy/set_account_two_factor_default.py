"""``setAccountTwoFactorDefault``: change the account-wide mode."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.permissions import ADMINISTRATORS
from schema.policy.set_account_two_factor_default import (
    SetAccountTwoFactorDefaultInput,
    SetAccountTwoFactorDefaultPayload,
)
from schema.types.account import AccountNode
from services.administration import set_account_default


@mutation(
    SetAccountTwoFactorDefaultPayload,
    description="Set the account-wide two-factor mode (administrators).",
    permissions=ADMINISTRATORS,
)
async def set_account_two_factor_default(
    info: Info, input: Annotated[SetAccountTwoFactorDefaultInput, INPUT]
) -> SetAccountTwoFactorDefaultPayload:
    """Set the default of the caller's account."""
    context = info.context
    account = await set_account_default(
        context.deps,
        *context.require_session(),
        input.mode,
        input.grace_period_hours if input.grace_period_hours is not None else 0,
    )
    context.loaders.prime_account(account)
    return SetAccountTwoFactorDefaultPayload(account=AccountNode.from_model(account))
