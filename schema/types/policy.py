"""The ``EffectiveTwoFactorPolicy`` type."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.enums import PolicySource, TwoFactorMode, TwoFactorState
from services.policy import EffectivePolicy


@strawberry.type(description="What two-factor authentication means for an operator right now.")
class EffectiveTwoFactorPolicy:
    """The GraphQL view of ``services.policy.EffectivePolicy``."""

    mode: TwoFactorMode = strawberry.field(description="The mode that applies.")
    source: PolicySource = strawberry.field(description="Where the mode comes from.")
    account_default: TwoFactorMode = strawberry.field(description="The account-wide default.")
    override: TwoFactorMode | None = strawberry.field(
        description="The operator's override; null when they follow the default."
    )
    state: TwoFactorState = strawberry.field(description="How far the authenticator is set up.")
    setup_required: bool = strawberry.field(
        description="True when the mode is REQUIRED and no authenticator is configured."
    )
    can_enroll: bool = strawberry.field(
        description="True when the operator may start setting up an authenticator now."
    )
    code_required_at_login: bool = strawberry.field(
        description="True when login asks this operator for a code."
    )
    setup_deadline: datetime | None = strawberry.field(
        description="While a grace period runs (required, not configured): until when a "
        "password alone still logs the operator in. Null otherwise."
    )

    @classmethod
    def from_domain(cls, policy: EffectivePolicy) -> EffectiveTwoFactorPolicy:
        """Build the GraphQL object from the computed policy."""
        return cls(
            mode=policy.mode,
            source=policy.source,
            account_default=policy.account_default,
            override=policy.override,
            state=policy.state,
            setup_required=policy.setup_required,
            can_enroll=policy.can_enroll,
            code_required_at_login=policy.code_required_at_login,
            setup_deadline=policy.setup_deadline,
        )
