"""Retention: rows that no longer mean anything are deleted in the background, in batches.

Nothing grows without bound. Every SWEEP_PERIOD the sweeper deletes:

- sessions past their ``expires_at`` (they are refused anyway);
- one-time tokens, passkey challenges and trusted devices past their ``expires_at``
  (likewise; a device's sessions go with it);
- throttle rows without a running lock whose count is spent: no failures, or a last failure
  older than ``throttle.QUIET_PERIOD``, the longest window any counter looks back (a counter
  that old starts over anyway, and every lock is shorter), unless it remembers a login from
  its address within ``throttle.KNOWN_ADDRESS_PERIOD`` (a known address);
- outbox messages sent more than SENT_MAIL_KEPT ago, and given up more than
  GIVEN_UP_MAIL_KEPT ago (kept that long for operators looking into a delivery);
- webhook deliveries queued more than DELIVERY_LOG_KEPT ago that are over (succeeded or
  given up): the endpoint's delivery log reaches that far back.

Each statement deletes at most BATCH_SIZE rows, so no transaction holds many locks for long.
On PostgreSQL a batch is taken with ``FOR UPDATE SKIP LOCKED``: sweepers in several processes
share the work without waiting on each other, and a row that a request holds is left for a
later round. Throttle rows may vanish between a login's insert and its lock; the throttle
service puts such a row back (see ``throttle._held``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models import (
    OneTimeToken,
    OutboxMessage,
    PasskeyChallenge,
    Session,
    Throttle,
    TrustedDevice,
    WebhookDelivery,
)
from services.machinery.periodic import PeriodicJob
from services.machinery.throttle import KNOWN_ADDRESS_PERIOD, QUIET_PERIOD

logger = logging.getLogger("twofa.retention")

SWEEP_PERIOD = timedelta(minutes=1)
"""Time between two sweeps of one process (the first comes one period after start)."""
BATCH_SIZE = 500
"""Rows deleted by one statement; a sweep repeats it until a batch comes back short."""
SENT_MAIL_KEPT = timedelta(days=7)
"""How long a delivered email's row (its content already emptied) is kept."""
GIVEN_UP_MAIL_KEPT = timedelta(days=30)
"""How long an email that was given up is kept, with its last error, for operators."""
DELIVERY_LOG_KEPT = timedelta(days=30)
"""How long a finished webhook delivery stays in its endpoint's log."""


@dataclass(frozen=True)
class Rule:
    """Which rows of one table are garbage at a given instant."""

    name: str
    """What the rows are, for logs and sweep reports."""
    model: type[Model]
    """The table."""
    garbage: Callable[[datetime], Q]
    """The filter selecting the rows that may be deleted at that instant."""


def _idle_throttle(now: datetime) -> Q:
    unlocked = Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    spent = Q(failures=0) | Q(last_failure_at__lte=now - QUIET_PERIOD)
    forgotten = Q(last_success_at__isnull=True) | Q(last_success_at__lte=now - KNOWN_ADDRESS_PERIOD)
    return unlocked & spent & forgotten


RULES = (
    Rule("sessions", Session, lambda now: Q(expires_at__lte=now)),
    Rule("one-time tokens", OneTimeToken, lambda now: Q(expires_at__lte=now)),
    Rule("passkey challenges", PasskeyChallenge, lambda now: Q(expires_at__lte=now)),
    Rule("trusted devices", TrustedDevice, lambda now: Q(expires_at__lte=now)),
    Rule("throttles", Throttle, _idle_throttle),
    Rule("sent mail", OutboxMessage, lambda now: Q(sent_at__lte=now - SENT_MAIL_KEPT)),
    Rule("given-up mail", OutboxMessage, lambda now: Q(given_up_at__lte=now - GIVEN_UP_MAIL_KEPT)),
    Rule(
        "webhook deliveries",
        WebhookDelivery,
        lambda now: Q(next_attempt_at__isnull=True, created_at__lte=now - DELIVERY_LOG_KEPT),
    ),
)
"""Everything the sweeper deletes, in the order it sweeps."""


async def delete_batch(rule: Rule, now: datetime, limit: int = BATCH_SIZE) -> tuple[int, int]:
    """Delete up to ``limit`` garbage rows of ``rule``; return (rows taken, rows deleted).

    The rows are locked with ``SKIP LOCKED`` first (PostgreSQL; SQLite runs one write
    transaction at a time), so concurrent sweepers take disjoint batches and never wait.
    """
    async with in_transaction():
        taken = (
            await rule.model.filter(rule.garbage(now))
            .limit(limit)
            .only("id")
            .select_for_update(skip_locked=True)
        )
        if not taken:
            return 0, 0
        deleted = await rule.model.filter(id__in=[row.pk for row in taken]).delete()
    return len(taken), deleted


async def sweep(rule: Rule, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Delete every garbage row of ``rule``, a batch at a time; return how many were deleted."""
    total = 0
    while True:
        taken, deleted = await delete_batch(rule, now, batch_size)
        total += deleted
        if taken < batch_size:
            return total


class Sweeper(PeriodicJob):
    """Deletes expired and spent rows, forever or one sweep at a time."""

    def __init__(
        self,
        now: Callable[[], datetime],
        period_seconds: float = SWEEP_PERIOD.total_seconds(),
        batch_size: int = BATCH_SIZE,
    ) -> None:
        super().__init__(period_seconds, logger)
        self._now = now
        self._batch_size = batch_size

    async def run_once(self) -> dict[str, int]:
        """Sweep every rule once, at one instant; return the rows deleted per rule."""
        now = self._now()
        deleted = {rule.name: await sweep(rule, now, self._batch_size) for rule in RULES}
        if any(deleted.values()):
            logger.info("Swept %s", ", ".join(f"{n} {name}" for name, n in deleted.items() if n))
        return deleted
