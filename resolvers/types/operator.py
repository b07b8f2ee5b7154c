"""Field resolvers of ``Operator``: each batched per request through the dataloaders."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.context import Info
from schema.types.policy import EffectiveTwoFactorPolicy
from services.policy import effective_policy

if TYPE_CHECKING:
    from schema.types.account import AccountNode
    from schema.types.operator import OperatorNode


async def account(
    root: OperatorNode, info: Info
) -> Annotated[AccountNode, strawberry.lazy("schema.types.account")]:
    """Load the operator's account."""
    from schema.types.account import AccountNode

    loaded = await info.context.loaders.account.load(root.account_id)
    return AccountNode.from_model(loaded)


async def recovery_codes_remaining(root: OperatorNode, info: Info) -> int:
    """Count the operator's unused recovery codes."""
    return await info.context.loaders.recovery_codes_remaining.load(root.id)


async def effective_two_factor_policy(root: OperatorNode, info: Info) -> EffectiveTwoFactorPolicy:
    """Combine account default, override, SSO flag and state."""
    loaded = await info.context.loaders.account.load(root.account_id)
    state = await info.context.loaders.two_factor_state.load(root.id)
    return EffectiveTwoFactorPolicy.from_domain(
        effective_policy(
            account_default=loaded.two_factor_default,
            override=root.two_factor_override,
            uses_single_sign_on=root.uses_single_sign_on,
            state=state,
        )
    )
