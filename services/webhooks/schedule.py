"""When a failed delivery is tried again, and when a failing endpoint is disabled."""

from __future__ import annotations

from datetime import timedelta

RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
"""The wait after each failed attempt; after the last, the delivery is given up."""
DISABLE_AFTER = timedelta(hours=24)
"""An endpoint whose every attempt failed for this long is disabled."""
ATTEMPT_TIMEOUT_SECONDS = 10.0
"""How long one attempt may take, connecting and answering together."""


def retry_delay(attempts: int) -> timedelta | None:
    """Return the wait after ``attempts`` failed attempts, or None when it is given up.

    1 → 5 s, 2 → 5 min, 3 → 30 min, 4 → 2 h, 5 → 5 h, 6 and 7 → 10 h, 8 and more → None:
    eight attempts over about 27.6 hours.
    """
    if 1 <= attempts <= len(RETRY_DELAYS):
        return RETRY_DELAYS[attempts - 1]
    return None
