"""The ``Operator`` type."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from models import Operator
from schema.context import Info
from schema.enums import OperatorRole, OperatorStatus, TwoFactorMode
from schema.types.policy import EffectiveTwoFactorPolicy
from services.policy import effective_policy

if TYPE_CHECKING:
    from schema.types.account import AccountNode


@strawberry.type(name="Operator", description="A person who signs in to an account.")
class OperatorNode(relay.Node):
    """The GraphQL view of an operator."""

    id: relay.NodeID[int]
    email: str = strawberry.field(description="Email address, as the operator gave it.")
    name: str = strawberry.field(description="Display name.")
    role: OperatorRole = strawberry.field(description="What the operator may do.")
    status: OperatorStatus = strawberry.field(
        description="INVITED until the invitation is accepted."
    )
    uses_single_sign_on: bool = strawberry.field(
        description="Signs in through single sign-on; TOTP never applies to them."
    )
    two_factor_override: TwoFactorMode | None = strawberry.field(
        description="The administrator's override of the account default; null: follows it."
    )
    account_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, operator: Operator) -> OperatorNode:
        """Build the GraphQL object from the stored operator."""
        return cls(
            id=operator.id,
            email=operator.email,
            name=operator.name,
            role=operator.role,
            status=operator.status,
            uses_single_sign_on=operator.uses_single_sign_on,
            two_factor_override=operator.two_factor_override,
            account_id=operator.account_id,
        )

    @strawberry.field(description="The account the operator belongs to.")
    async def account(
        self, info: Info
    ) -> Annotated[AccountNode, strawberry.lazy("schema.types.account")]:
        """Load the operator's account (batched per request)."""
        from schema.types.account import AccountNode

        account = await info.context.loaders.account.load(self.account_id)
        return AccountNode.from_model(account)

    @strawberry.field(
        description="Unused recovery codes left; 0 without a configured authenticator."
    )
    async def recovery_codes_remaining(self, info: Info) -> int:
        """Count the operator's unused recovery codes (batched per request)."""
        return await info.context.loaders.recovery_codes_remaining.load(self.id)

    @strawberry.field(description="The two-factor policy that applies to the operator now.")
    async def effective_two_factor_policy(self, info: Info) -> EffectiveTwoFactorPolicy:
        """Combine account default, override, SSO flag and state (batched per request)."""
        account = await info.context.loaders.account.load(self.account_id)
        state = await info.context.loaders.two_factor_state.load(self.id)
        return EffectiveTwoFactorPolicy.from_domain(
            effective_policy(
                account_default=account.two_factor_default,
                override=self.two_factor_override,
                uses_single_sign_on=self.uses_single_sign_on,
                state=state,
            )
        )
