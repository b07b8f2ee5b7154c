"""What a change of the account default would do, computed before it is made.

The preview reads the account's operators as ``set_account_default`` would leave them (the
same followers' start of the grace period, the same deadline rule), writes nothing and
sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from models import Account, TwoFactorMode
from services.errors import DomainError, ErrorCode
from services.operators import directory
from services.operators.directory import Hypothesis, OperatorFilter, PolicyCounts
from services.policy import Deadlines, TwoFactorCompliance
from services.policy.changes import (
    GRACE_FIELD,
    MAX_GRACE_PERIOD_HOURS,
    checked_enforce_from,
    followers_since,
)

WOULD_BE_OVERDUE = OperatorFilter(compliance=(TwoFactorCompliance.OVERDUE,))
"""The operators a preview lists: those who would be OVERDUE at once."""


@dataclass(frozen=True)
class Preview:
    """A change of the account default, as it would stand if applied now."""

    account_id: int
    deadlines: Deadlines
    """The deadline rule under the change (its grace period and enforcement)."""
    hypothesis: Hypothesis
    """The default under the change, and when its followers would be required."""

    async def counts(self) -> PolicyCounts:
        """Count the operators by compliance under the change (one statement)."""
        return await directory.policy_counts(self.account_id, self.deadlines, self.hypothesis)

    async def would_be_overdue(
        self, *, after_id: int | None, limit: int
    ) -> tuple[list[directory.PolicyRow], bool]:
        """Return a page of the operators who would be OVERDUE at once, in id order."""
        return await directory.operator_page(
            self.account_id,
            self.deadlines,
            WOULD_BE_OVERDUE,
            after_id=after_id,
            limit=limit,
            hypothesis=self.hypothesis,
        )


def preview(
    account: Account,
    mode: TwoFactorMode,
    grace_period_hours: int | None,
    enforce_from: datetime | None,
    now: datetime,
) -> Preview:
    """Return the preview of ``setAccountTwoFactorDefault`` with these arguments, now.

    The arguments are checked as the mutation checks them (INVALID_INPUT).
    """
    hours = grace_period_hours if grace_period_hours is not None else 0
    if not 0 <= hours <= MAX_GRACE_PERIOD_HOURS:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"The grace period is 0 to {MAX_GRACE_PERIOD_HOURS} hours.",
            field=GRACE_FIELD,
        )
    scheduled = checked_enforce_from(enforce_from, now)
    return Preview(
        account_id=account.id,
        deadlines=Deadlines(period=timedelta(hours=hours), enforce_from=scheduled, now=now),
        hypothesis=Hypothesis(
            default_mode=mode,
            followers_since=followers_since(account.two_factor_default, mode, now),
        ),
    )
