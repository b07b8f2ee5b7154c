"""The background sender: claims queued emails, delivers them, retries with back-off.

Claims are leases taken with ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL) and a
conditional UPDATE, so several app processes on one database never take the same message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta

from aiosmtplib import SMTPException
from cryptography.fernet import InvalidToken
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from mail.outbox import Outbox
from mail.transport import Transport
from models import OutboxMessage

logger = logging.getLogger("twofa.mail")

BATCH_SIZE = 20
"""Messages claimed at a time."""
LEASE = timedelta(minutes=2)
"""How long a claim keeps other senders away (longer than one SMTP exchange can take)."""
FIRST_RETRY = timedelta(seconds=10)
"""Delay after the first failed attempt; each further failure doubles it."""
LONGEST_RETRY = timedelta(hours=1)
"""The cap on the delay between attempts."""
MAX_ATTEMPTS = 20
"""Failed attempts after which a message is given up (about 14 hours of retrying)."""


def retry_delay(attempts: int) -> timedelta:
    """Return the wait after ``attempts`` failed attempts: 10 s, 20 s, 40 s … at most 1 h."""
    return min(FIRST_RETRY * (1 << min(attempts - 1, 20)), LONGEST_RETRY)


def _claimable(now: datetime) -> Q:
    return Q(sent_at__isnull=True, given_up_at__isnull=True) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


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
        self,
        outbox: Outbox,
        transport: Transport,
        now: Callable[[], datetime],
        poll_seconds: float = 1.0,
        on_failure: Callable[[bool], None] | None = None,
    ) -> None:
        self._outbox = outbox
        self._transport = transport
        self._now = now
        self._poll_seconds = poll_seconds
        self._stopping = asyncio.Event()
        self._on_failure = on_failure
        """Told of every failed delivery attempt: True when the message was given up."""

    async def run_once(self) -> int:
        """Deliver the messages due now; return how many were delivered."""
        delivered = 0
        for message in await claim(self._now()):
            try:
                delivered += await self._deliver(message)
            except Exception as error:  # one bad message must not stop the others
                logger.exception("Mail %s failed unexpectedly", message.id)
                await self._failed(message, error)
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
        try:
            email = self._outbox.read(message)
        except InvalidToken:
            if self._on_failure is not None:
                self._on_failure(True)
            await self._give_up(message, "cannot decrypt: its key is no longer configured")
            return 0
        try:
            await self._transport.deliver(email)
        except (SMTPException, OSError, TimeoutError) as error:
            await self._failed(message, error)
            return 0
        await OutboxMessage.filter(id=message.id).update(
            sent_at=self._now(), claimed_until=None, content_encrypted="", last_error=None
        )
        return 1

    async def _failed(self, message: OutboxMessage, error: Exception) -> None:
        """Count a failed attempt; retry later with back-off, or give up after the last."""
        attempts = message.attempts + 1
        if self._on_failure is not None:
            self._on_failure(attempts >= MAX_ATTEMPTS)
        reason = f"{type(error).__name__}: {error}"[:500]
        logger.warning(
            "Mail %s (%s) not delivered, attempt %d: %s",
            message.id, message.kind, attempts, type(error).__name__,
        )  # fmt: skip
        if attempts >= MAX_ATTEMPTS:
            await self._give_up(message, reason, attempts=attempts)
            return
        await OutboxMessage.filter(id=message.id).update(
            attempts=attempts,
            next_attempt_at=self._now() + retry_delay(attempts),
            claimed_until=None,
            last_error=reason,
        )

    async def _give_up(
        self, message: OutboxMessage, reason: str, *, attempts: int | None = None
    ) -> None:
        logger.error("Mail %s (%s) given up: %s", message.id, message.kind, reason)
        await OutboxMessage.filter(id=message.id).update(
            attempts=attempts if attempts is not None else message.attempts,
            given_up_at=self._now(),
            claimed_until=None,
            last_error=reason,
        )
