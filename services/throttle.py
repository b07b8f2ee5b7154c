"""Throttling of guesses: every attempt counts, and repeated failures lock with back-off.

An attempt is counted *before* it is checked, inside a transaction that holds the counter's
row, so concurrent requests (and each alias or mutation of one request) cannot slip extra
guesses past the limit. A success clears the counter.
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


def lock_duration(failures: int) -> timedelta | None:
    """Return how long ``failures`` consecutive failures lock for (None: not locked).

    The fifth failure locks for 30 s, the sixth for 60 s, and so on, capped at 15 minutes.
    """
    if failures < FREE_ATTEMPTS:
        return None
    doublings = min(failures - FREE_ATTEMPTS, 10)
    return min(FIRST_LOCK * (1 << doublings), LONGEST_LOCK)


def password_key(email_key: str) -> str:
    """Throttle key for password guesses against one login email (known or not).

    The email is hashed: anyone can type anything there, and the key must be storable.
    """
    digest = hashlib.sha256(email_key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"password:{digest}"


def code_key(operator_id: int) -> str:
    """Throttle key for TOTP and recovery code guesses against one operator."""
    return f"code:{operator_id}"


async def begin_attempt(key: str, now: datetime) -> datetime | None:
    """Count one attempt against ``key`` as failed until ``succeeded`` says otherwise.

    Raises TOO_MANY_ATTEMPTS, without counting, while the key is locked. The attempt that
    reaches the limit sets the lock at once, so attempts running beside it are refused;
    it returns that lock's end (None when this attempt, should it fail, locks nothing).
    """
    async with in_transaction():
        await Throttle.bulk_create([Throttle(key=key)], ignore_conflicts=True)
        row = await Throttle.filter(key=key).select_for_update().get()
        if row.locked_until is not None and row.locked_until > now:
            locked_until = row.locked_until
        else:
            locked_until = None
            row.failures += 1
            duration = lock_duration(row.failures)
            row.locked_until = now + duration if duration is not None else None
            await row.save(update_fields=["failures", "locked_until"])
    if locked_until is not None:
        raise too_many_attempts(locked_until)
    return row.locked_until


async def succeeded(key: str) -> None:
    """Forget the failures counted against ``key``: the attempt was right.

    The row is kept (reset, not deleted) so that concurrent attempts always find it.
    """
    await Throttle.filter(key=key).update(failures=0, locked_until=None)
