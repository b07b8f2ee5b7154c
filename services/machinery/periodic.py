"""Background work done in rounds, one period apart, until stopped."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Any


class PeriodicJob:
    """Runs ``run_once`` every ``period_seconds`` (the first round one period after start).

    A failed round is logged and the next one comes a period later; ``stop`` ends the
    wait at once, or the loop after the round under way. Subclasses say what a round does.
    """

    def __init__(self, period_seconds: float, logger: logging.Logger) -> None:
        self._period_seconds = period_seconds
        self._logger = logger
        self._stopping = asyncio.Event()

    async def run_once(self) -> Any:
        """Do one round of the work."""
        raise NotImplementedError

    async def run(self) -> None:
        """Run a round every period until ``stop``."""
        while not self._stopping.is_set():
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._period_seconds)
            if self._stopping.is_set():
                return
            try:
                await self.run_once()
            except Exception:
                self._logger.exception("%s round failed; retrying next period", type(self).__name__)

    def stop(self) -> None:
        """Ask ``run`` to return (at once while waiting, else after the current round)."""
        self._stopping.set()
