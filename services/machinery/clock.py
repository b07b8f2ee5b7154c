"""Time as a dependency, so that tests can move it instead of waiting for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current instant."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current instant from the system clock."""
        return datetime.now(UTC)


class FrozenClock:
    """A clock that stands still until it is moved; for tests and simulations."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        """Return the instant the clock is set to."""
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by ``delta``."""
        self._now += delta

    def set(self, instant: datetime) -> None:
        """Put the clock at ``instant``."""
        self._now = instant
