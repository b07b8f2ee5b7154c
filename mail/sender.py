"""The background sender: claims queued emails, delivers them, retries with back-off.

Claims are leases taken with ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL) and a
conditional UPDATE, so several app processes on one database never take the same message.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import datetime, timedelta

from aiosmtplib import SMTPException
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from mail.outbox import Outbox
from mail.transport import Transport
from models import OutboxMessage
from services.clock import Clock

logger = logging.getLogger("twofa.mail")

BATCH_SIZE = 20
"""Messages claimed at a time."""
LEASE = timedelta(minutes=2)
"""How long a claim keeps other senders away (longer than one SMTP exchange can take)."""
FIRST_RETRY = timedelta(seconds=10)
"""Delay after the first failed attempt; each further failure doubles it."""
LONGEST_RETRY = timedelta(hours=1)
"""The cap on the delay between attempts."""


def retry_delay(attempts: int) -> timedelta:
    """Return the wait after ``attempts`` failed attempts: 10 s, 20 s, 40 s … at most 1 h."""
    return min(FIRST_RETRY * (1 << min(attempts - 1, 20)), LONGEST_RETRY)


def _claimable(now: datetime) -> Q:
    return Q(sent_at__isnull=True) & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))


async def claim(now: datetime, limit: int = BATCH_SIZE) -> list[OutboxMessage]:
    """Take a lease on up to ``limit`` due messages that nobody else holds, oldest first."""
    claimed = []
    async with in_transaction():
        due = (
            await OutboxMessage.filter(_claimable(now), next_attempt_at__lte=now)
            .order_by("id")
            .limit(limit)
            .select_for_update(skip_locked=True)
        )
        for message in due:
            taken = await OutboxMessage.filter(_claimable(now), id=message.id).update(
                claimed_until=now + LEASE
            )
            if taken == 1:
                claimed.append(message)
    return claimed


class OutboxSender:
    """Delivers the outbox through a transport, forever or one batch at a time."""

    def __init__(
        self, outbox: Outbox, transport: Transport, clock: Clock, poll_seconds: float = 1.0
    ) -> None:
        self._outbox = outbox
        self._transport = transport
        self._clock = clock
        self._poll_seconds = poll_seconds
        self._stopping = asyncio.Event()

    async def run_once(self) -> int:
        """Deliver the messages due now; return how many were delivered."""
        delivered = 0
        for message in await claim(self._clock.now()):
            delivered += await self._deliver(message)
        return delivered

    async def run(self) -> None:
        """Deliver until ``stop``; a failure of one round is logged and the loop goes on."""
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception:
                logger.exception("Outbox round failed; retrying")
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._poll_seconds)

    def stop(self) -> None:
        """Ask ``run`` to return after the current round."""
        self._stopping.set()

    async def _deliver(self, message: OutboxMessage) -> int:
        email = self._outbox.read(message)
        try:
            await self._transport.deliver(email)
        except (SMTPException, OSError, TimeoutError) as error:
            attempts = message.attempts + 1
            await OutboxMessage.filter(id=message.id).update(
                attempts=attempts,
                next_attempt_at=self._clock.now() + retry_delay(attempts),
                claimed_until=None,
                last_error=f"{type(error).__name__}: {error}"[:500],
            )
            logger.warning(
                "Mail %s (%s) not delivered, attempt %d: %s",
                message.id,
                message.kind,
                attempts,
                type(error).__name__,
            )
            return 0
        await OutboxMessage.filter(id=message.id).update(
            sent_at=self._clock.now(), claimed_until=None, content_encrypted="", last_error=None
        )
        return 1
