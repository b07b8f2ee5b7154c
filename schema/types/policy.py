"""The ``EffectiveTwoFactorPolicy`` type."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models import Session
from schema.enums import PolicySource, TwoFactorCompliance, TwoFactorMode, TwoFactorState
from services.enrollment import setup_link_required
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
        description="True when two-factor authentication applies to the operator and no "
        "authenticator is configured: one may be set up now, directly or through the emailed "
        "setup link (see enrollmentNeedsEmailLink). False once any factor is configured: an "
        "operator whose only factors are passkeys (state CONFIGURED) may still add an "
        "authenticator app from a session that proved a second factor, as they add a "
        "further passkey; that never needs the emailed link."
    )
    enrollment_needs_email_link: bool = strawberry.field(
        description="True exactly when startTwoFactorEnrollment from the viewer's current "
        "session answers SETUP_LINK_REQUIRED (and emails a setup link) instead of starting: "
        "canEnroll is true and either two-factor authentication is required of the operator "
        "or the session was established by the password alone. A session past its "
        "reauthentication window is asked to reauthenticate first, which does not change "
        "this answer. For an operator other than the viewer (an administrator looking at "
        "someone else), it answers for a session from a password login, the way an operator "
        'without a second factor signs in: true whenever canEnroll is. Offer "Set up now" '
        "when canEnroll is true and this is false; when both are true, offer to email the "
        "setup link instead (startTwoFactorEnrollment sends it)."
    )
    code_required_at_login: bool = strawberry.field(
        description="True when login asks this operator for a code."
    )
    setup_deadline: datetime | None = strawberry.field(
        description="While a grace period runs (required, not configured): until when a "
        "password alone still logs the operator in, the later of the grace period's end and "
        "the account's `twoFactorEnforceFrom`. Null otherwise."
    )
    compliance: TwoFactorCompliance = strawberry.field(
        description="Whether the operator meets the two-factor requirement: NOT_REQUIRED, "
        "EXEMPT (single sign-on), COMPLIANT, PENDING (before their deadline, or invited) or "
        "OVERDUE."
    )

    @classmethod
    def from_domain(
        cls, policy: EffectivePolicy, session: Session | None
    ) -> EffectiveTwoFactorPolicy:
        """Build the GraphQL object from the computed policy.

        ``session`` is the viewer's current session when the policy is the viewer's own,
        else None (see ``services.enrollment.setup_link_required``).
        """
        return cls(
            mode=policy.mode,
            source=policy.source,
            account_default=policy.account_default,
            override=policy.override,
            state=policy.state,
            setup_required=policy.setup_required,
            can_enroll=policy.can_enroll,
            enrollment_needs_email_link=setup_link_required(policy, session),
            code_required_at_login=policy.code_required_at_login,
            setup_deadline=policy.setup_deadline,
            compliance=policy.compliance,
        )
