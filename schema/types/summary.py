"""The compliance overview of an account: operators counted by effective policy."""

from __future__ import annotations

import strawberry

from schema.enums import TwoFactorCompliance, TwoFactorMode, TwoFactorState
from services.operators.directory import PolicyCounts
from services.policy import requires_setup


@strawberry.type(description="How many operators have one effective mode and state.")
class TwoFactorPolicyCount:
    """One cell of the mode-by-state table."""

    mode: TwoFactorMode = strawberry.field(description="Effective two-factor mode.")
    state: TwoFactorState = strawberry.field(description="Two-factor state.")
    count: int = strawberry.field(description="Operators with this mode and state.")


@strawberry.type(description="How many operators have one effective mode.")
class TwoFactorModeCount:
    """One row of the by-mode totals."""

    mode: TwoFactorMode = strawberry.field(description="Effective two-factor mode.")
    count: int = strawberry.field(description="Operators with this mode.")


@strawberry.type(description="How many operators are in one two-factor state.")
class TwoFactorStateCount:
    """One row of the by-state totals."""

    state: TwoFactorState = strawberry.field(description="Two-factor state.")
    count: int = strawberry.field(description="Operators in this state.")


@strawberry.type(description="An account's two-factor compliance at a glance, for dashboards.")
class TwoFactorSummary:
    """Counts of an account's operators by effective policy."""

    total_operators: int = strawberry.field(description="All operators, invited ones included.")
    setup_required: int = strawberry.field(
        description="Operators whose mode is REQUIRED and who have not configured 2FA yet."
    )
    by_mode: list[TwoFactorModeCount] = strawberry.field(
        description="Totals per effective mode (every mode listed, zeros included)."
    )
    by_state: list[TwoFactorStateCount] = strawberry.field(
        description="Totals per state (every state listed, zeros included)."
    )
    by_mode_and_state: list[TwoFactorPolicyCount] = strawberry.field(
        description="The full mode-by-state table (every pair listed, zeros included)."
    )
    compliant: int = strawberry.field(description="Operators required and set up.")
    pending: int = strawberry.field(
        description="Operators required and not set up, before their deadline (or invited)."
    )
    overdue: int = strawberry.field(
        description="Operators required and not set up, past their deadline (or with none)."
    )
    exempt: int = strawberry.field(description="Operators who sign in with single sign-on.")
    not_required: int = strawberry.field(description="Operators whose mode is not REQUIRED.")

    @classmethod
    def from_counts(cls, counts: PolicyCounts) -> TwoFactorSummary:
        """Build the summary from the per-(mode, state) and per-compliance counts."""
        pairs = counts.by_mode_and_state
        cells = [
            TwoFactorPolicyCount(mode=mode, state=state, count=pairs.get((mode, state), 0))
            for mode in TwoFactorMode
            for state in TwoFactorState
        ]
        compliance = counts.by_compliance
        return cls(
            total_operators=sum(cell.count for cell in cells),
            setup_required=sum(
                cell.count for cell in cells if requires_setup(cell.mode, cell.state)
            ),
            by_mode=[
                TwoFactorModeCount(mode=mode, count=sum(c.count for c in cells if c.mode is mode))
                for mode in TwoFactorMode
            ],
            by_state=[
                TwoFactorStateCount(
                    state=state, count=sum(c.count for c in cells if c.state is state)
                )
                for state in TwoFactorState
            ],
            by_mode_and_state=cells,
            compliant=compliance.get(TwoFactorCompliance.COMPLIANT, 0),
            pending=compliance.get(TwoFactorCompliance.PENDING, 0),
            overdue=compliance.get(TwoFactorCompliance.OVERDUE, 0),
            exempt=compliance.get(TwoFactorCompliance.EXEMPT, 0),
            not_required=compliance.get(TwoFactorCompliance.NOT_REQUIRED, 0),
        )
