"""Throttling of guesses: every attempt counts, and repeated failures lock with back-off.

An attempt is counted *before* it is checked, inside a transaction that holds the counter's
row, so concurrent requests (and each alias or mutation of one request) cannot slip extra
guesses past the limit. A success clears the counter, and a counter starts over after
QUIET_PERIOD without a failure.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from models import Throttle
from services.errors import too_many_attempts

FREE_ATTEMPTS = 5
"""Consecutive failures allowed before the first lock."""
FIRST_LOCK = timedelta(seconds=30)
"""Length of the first lock; each further failure doubles it."""
LONGEST_LOCK = timedelta(minutes=15)
"""The cap on a lock's length."""
QUIET_PERIOD = timedelta(hours=3)
"""A consecutive-failure counter starts over after this long without a failure.

It must not pay to wait for it. A fresh counter allows ten guesses within 15.5 minutes
(five free, then locks of 30 s, 1, 2, 4 and 8 minutes); at the capped 15-minute lock ten
guesses take 150 minutes. Three hours of silence to earn those ten back is slower than
sitting out the locks, so decay gives no guess that the locks would not.
"""


ADDRESS_FREE_FAILURES = 20
"""Failed logins from one client address before it is locked (any emails)."""
ADDRESS_WINDOW = timedelta(minutes=15)
"""A client address's failure count starts over after this long without a failure."""


def lock_duration(failures: int, free: int = FREE_ATTEMPTS) -> timedelta | None:
    """Return how long ``failures`` consecutive failures lock for (None: not locked).

    With the default ``free`` of 5, the fifth failure locks for 30 s, the sixth for 60 s,
    and so on, capped at 15 minutes.
    """
    if failures < free:
        return None
    doublings = min(failures - free, 10)
    return min(FIRST_LOCK * (1 << doublings), LONGEST_LOCK)


def password_key(email_key: str) -> str:
    """Throttle key for password guesses against one login email (known or not).

    The email is hashed: anyone can type anything there, and the key must be storable.
    """
    digest = hashlib.sha256(email_key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"password:{digest}"


def address_key(address: str) -> str:
    """Throttle key for failed logins from one client address."""
    return f"address:{address}"


def code_key(operator_id: int) -> str:
    """Throttle key for TOTP and recovery code guesses against one operator."""
    return f"code:{operator_id}"


def _active_lock(row: Throttle, now: datetime) -> datetime | None:
    """Return the end of the row's lock while it runs, else None."""
    if row.locked_until is not None and row.locked_until > now:
        return row.locked_until
    return None


def _count_failure(row: Throttle, now: datetime, free: int) -> None:
    """Count one consecutive failure on a held row and set the lock it earns (or none).

    The count starts over when the previous failure is older than QUIET_PERIOD.
    """
    if row.last_failure_at is not None and row.last_failure_at <= now - QUIET_PERIOD:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    duration = lock_duration(row.failures, free=free)
    row.locked_until = now + duration if duration is not None else None


async def begin_attempt(key: str, now: datetime) -> datetime | None:
    """Count one attempt against ``key`` as failed until ``succeeded`` says otherwise.

    Raises TOO_MANY_ATTEMPTS, without counting, while the key is locked. The attempt that
    reaches the limit sets the lock at once, so attempts running beside it are refused;
    it returns that lock's end (None when this attempt, should it fail, locks nothing).
    The count starts over after QUIET_PERIOD without an attempt.
    """
    async with in_transaction():
        await Throttle.bulk_create([Throttle(key=key)], ignore_conflicts=True)
        row = await Throttle.filter(key=key).select_for_update().get()
        locked_until = _active_lock(row, now)
        if locked_until is None:
            _count_failure(row, now, FREE_ATTEMPTS)
            await row.save(update_fields=["failures", "last_failure_at", "locked_until"])
    if locked_until is not None:
        raise too_many_attempts(locked_until)
    return row.locked_until


async def succeeded(key: str) -> None:
    """Forget the failures counted against ``key``: the attempt was right.

    The row is kept (reset, not deleted) so that concurrent attempts always find it.
    """
    await Throttle.filter(key=key).update(failures=0, locked_until=None)


async def ensure_not_locked(key: str, now: datetime) -> None:
    """Raise TOO_MANY_ATTEMPTS while ``key`` is locked; count nothing."""
    row = await Throttle.get_or_none(key=key)
    if row is not None and row.locked_until is not None and row.locked_until > now:
        raise too_many_attempts(row.locked_until)


async def count_failure(key: str, now: datetime) -> None:
    """Count one failure against a windowed key (a client address); lock past the limit.

    Unlike ``begin_attempt`` a success does not clear it, or an attacker could mix in a
    login of their own account; it starts over after ADDRESS_WINDOW without failures.
    """
    async with in_transaction():
        await Throttle.bulk_create([Throttle(key=key)], ignore_conflicts=True)
        row = await Throttle.filter(key=key).select_for_update().get()
        if row.last_failure_at is None or row.last_failure_at <= now - ADDRESS_WINDOW:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        duration = lock_duration(row.failures, free=ADDRESS_FREE_FAILURES)
        row.locked_until = now + duration if duration is not None else row.locked_until
        await row.save(update_fields=["failures", "last_failure_at", "locked_until"])
