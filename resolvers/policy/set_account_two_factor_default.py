"""``setAccountTwoFactorDefault``: change the account-wide mode."""

from __future__ import annotations

from typing import Annotated

from resolvers.errors import returns_user_errors
from schema.context import Info
from schema.mutations import INPUT
from schema.mutations.policy import (
    SetAccountTwoFactorDefaultInput,
    SetAccountTwoFactorDefaultPayload,
)
from schema.types.account import AccountNode
from services.administration import set_account_default


@returns_user_errors(SetAccountTwoFactorDefaultPayload)
async def set_account_two_factor_default(
    info: Info, input: Annotated[SetAccountTwoFactorDefaultInput, INPUT]
) -> SetAccountTwoFactorDefaultPayload:
    """Set the default of the caller's account."""
    context = info.context
    account = await set_account_default(context.require_viewer(), input.mode, context.now())
    context.loaders.account.prime(account.id, account, force=True)
    return SetAccountTwoFactorDefaultPayload(account=AccountNode.from_model(account))
