"""Each API key's request budget: requests a minute, for the key in all processes together.

Counting every request in the database would make each request a write. Instead a process
reserves a share of a key's minute from the shared counter (a throttle row, as the login
budgets use) and admits requests from it in memory: a reservation of ``CHUNK_FRACTION`` of
the budget (at least one request) is one write. So the processes together never admit more
than the budget; what a process reserved and did not use before the minute ended is lost
for that minute (at most a chunk per process). Once the shared minute is spent a process
refuses the key's requests without asking the database again, until the minute ends, and
says when that is (``Retry-After``).

The minutes are fixed, as the login budgets' are: around a minute's end a key can make its
budget twice within a few seconds, never more than the budget within one minute. Each
process reads the time from its own clock; the servers' clocks are kept in step (NTP).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from services.machinery import throttle

DEFAULT_PER_MINUTE = 600
"""Requests a minute an API key may make, unless ``API_KEY_RATE_LIMIT`` says otherwise."""
CHUNK_FRACTION = 20
"""A reservation is this fraction of the budget (1/20: 30 requests of 600)."""


def budget_key(key_id: int) -> str:
    """Throttle key of an API key's request budget."""
    return f"api_key:{key_id}"


@dataclass
class _Lease:
    """What this process holds of one key's current minute."""

    ends: datetime
    """When the shared minute ends (as far as this process knows)."""
    left: int = 0
    """Requests reserved and not admitted yet."""
    spent: bool = False
    """Whether the shared minute had nothing left to reserve."""
    reserving: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Held while a reservation is under way, so that one runs at a time per key."""


class KeyBudget:
    """Admits each API key's requests within its budget, shared by every process."""

    def __init__(self, per_minute: int, now: Callable[[], datetime]) -> None:
        self.per_minute = per_minute
        self.chunk = max(1, per_minute // CHUNK_FRACTION)
        self._now = now
        self._leases: dict[int, _Lease] = {}
        self._next_sweep = now()

    async def admit(self, key_id: int) -> datetime | None:
        """Count one request of a key; return None to admit it, else when to retry."""
        now = self._now()
        lease = self._leases.get(key_id)
        if lease is None or now >= lease.ends:
            lease = self._leases[key_id] = _Lease(ends=now + throttle.BUDGET_WINDOW)
            self._forget_ended(now)
        while lease.left == 0:
            if lease.spent:
                return lease.ends
            async with lease.reserving:
                if lease.left == 0 and not lease.spent:
                    granted, ends = await throttle.reserve_budget(
                        budget_key(key_id), self.per_minute, self.chunk, now
                    )
                    lease.left, lease.ends, lease.spent = granted, ends, granted == 0
        lease.left -= 1
        return None

    def _forget_ended(self, now: datetime) -> None:
        """Drop the leases of minutes that have ended (their keys are idle), once a minute."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + throttle.BUDGET_WINDOW
        for key_id in [k for k, lease in self._leases.items() if now >= lease.ends]:
            del self._leases[key_id]
