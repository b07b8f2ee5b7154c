"""The ``Operator`` type."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

import resolvers.types.operator
from models import Operator
from schema.enums import OperatorRole, OperatorStatus, TwoFactorMode
from schema.permissions import SIGNED_IN
from schema.types.policy import EffectiveTwoFactorPolicy


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
    created_at: datetime = strawberry.field(description="When the operator was created or invited.")
    invited_at: datetime | None = strawberry.field(
        description="When the latest invitation was sent; null if never invited."
    )
    last_login_at: datetime | None = strawberry.field(
        description="When a session was last issued to the operator; null if never."
    )
    two_factor_configured_at: datetime | None = strawberry.field(
        description="When the operator's authenticator was confirmed; null without one."
    )
    account_id: strawberry.Private[int]
    two_factor_required_since: strawberry.Private[datetime | None]
    login_key: strawberry.Private[str]
    invited_by_id: strawberry.Private[int | None]

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
            created_at=operator.created_at,
            invited_at=operator.invited_at,
            last_login_at=operator.last_login_at,
            two_factor_configured_at=operator.two_factor_configured_at,
            account_id=operator.account_id,
            two_factor_required_since=operator.two_factor_required_since,
            login_key=operator.email_key,
            invited_by_id=operator.invited_by_id,
        )

    account = strawberry.field(
        resolver=resolvers.types.operator.account,
        description="The account the operator belongs to.",
    )
    invited_by = strawberry.field(
        resolver=resolvers.types.operator.invited_by,
        description="Who sent the latest invitation; null if never invited, if unknown or "
        "removed, or if you may not see them (basic operators see only themselves).",
    )
    invitation_expires_at = strawberry.field(
        resolver=resolvers.types.operator.invitation_expires_at,
        description="When the invitation link sent last stops working; null once accepted, "
        "expired or revoked, and for operators never invited.",
    )
    recovery_codes_remaining = strawberry.field(
        resolver=resolvers.types.operator.recovery_codes_remaining,
        description="Unused recovery codes left; 0 without a configured authenticator.",
    )
    effective_two_factor_policy = strawberry.field(
        resolver=resolvers.types.operator.effective_two_factor_policy,
        graphql_type=EffectiveTwoFactorPolicy,
        description="The two-factor policy that applies to the operator now.",
    )
    locked_until = strawberry.field(
        resolver=resolvers.types.operator.locked_until,
        description="Until when the operator's logins or codes are refused after repeated "
        "failures: the later of their password and code locks, if locked; null when not "
        "locked. A password lock earned from one client address (an email and address pair) "
        "counts too, though it keeps out only that address. Administrators lift locks with "
        "unlockOperator.",
    )
    sessions = strawberry.field(
        resolver=resolvers.types.operator.sessions,
        description="The operator's unexpired sessions, newest first (the operator themselves, "
        "or an administrator of the account).",
        permission_classes=SIGNED_IN,
    )
