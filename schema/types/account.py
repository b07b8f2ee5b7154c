"""The ``Account`` type: its operators, audit log and compliance summary."""

from __future__ import annotations

import strawberry
from strawberry import relay

import resolvers.types.account
from models import Account
from schema.enums import TwoFactorMode
from schema.permissions import ADMINISTRATORS


@strawberry.type(name="Account", description="A customer account and its two-factor default.")
class AccountNode(relay.Node):
    """The GraphQL view of an account."""

    id: relay.NodeID[int]
    name: str = strawberry.field(description="Display name of the account.")
    two_factor_default: TwoFactorMode = strawberry.field(
        description="Account-wide mode for operators without an override."
    )
    two_factor_grace_period_hours: int = strawberry.field(
        description="Hours an operator who becomes required may still log in with the "
        "password alone, from the moment they became required."
    )

    @classmethod
    def from_model(cls, account: Account) -> AccountNode:
        """Build the GraphQL object from the stored account."""
        return cls(
            id=account.id,
            name=account.name,
            two_factor_default=account.two_factor_default,
            two_factor_grace_period_hours=account.two_factor_grace_period_hours,
        )

    operators = strawberry.field(
        resolver=resolvers.types.account.operators,
        description="The account's operators in creation order, filtered by effective policy "
        "(administrators of this account). Page with first/after or last/before, 100 at most.",
        permission_classes=ADMINISTRATORS,
    )
    audit_events = strawberry.field(
        resolver=resolvers.types.account.audit_events,
        description="The account's audit log, newest first (administrators of this account).",
        permission_classes=ADMINISTRATORS,
    )
    two_factor_summary = strawberry.field(
        resolver=resolvers.types.account.two_factor_summary,
        description="Operators counted by effective mode and state, and how many still need to "
        "set up 2FA (administrators of this account).",
        permission_classes=ADMINISTRATORS,
    )
