"""Password hashing with argon2id, run off the event loop with bounded concurrency."""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from services.errors import DomainError, ErrorCode

T = TypeVar("T")

BUSY_MESSAGE = "The server is busy. Try again in a moment."

HASHING_NICENESS = 10
"""How much lower than the request loop the hashing threads run (Linux ``nice`` steps).

A hash takes a core for a few hundred milliseconds; at equal priority a flood of logins
keeps the cores from the thread that answers every other request. At niceness 10 the
scheduler gives that thread about nine tenths of a core it asks for, and hashing the rest.
"""


def _run_below_requests() -> None:
    """Lower the calling hashing thread's CPU priority (argon2's own lane threads inherit it).

    Linux sets the niceness per thread; where that is not possible, hashing runs at the
    process's priority.
    """
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)
    except (AttributeError, OSError):
        return


_HASHING_THREADS = ThreadPoolExecutor(
    max_workers=2 * (os.cpu_count() or 1),
    thread_name_prefix="argon2",
    initializer=_run_below_requests,
)
"""The threads every hasher runs its computations on; each hasher bounds its own share."""


@dataclass(frozen=True)
class Argon2Parameters:
    """Cost settings of argon2id; the defaults are RFC 9106's low-memory recommendation."""

    time_cost: int = 3
    memory_cost_kib: int = 65536
    parallelism: int = 4

    def describe(self) -> str:
        """Return the parameters as one readable line (for logs and benchmarks)."""
        return f"argon2id t={self.time_cost} m={self.memory_cost_kib} KiB p={self.parallelism}"


@dataclass(frozen=True)
class QueueState:
    """A snapshot of a hasher's queue, for monitoring."""

    running: int
    """Computations running now (at most ``limit``)."""
    waiting: int
    """Calls waiting for a free slot."""
    refused: int
    """Calls turned away as too busy since the hasher was made (queue full or waited too long)."""


class PasswordHasher:
    """Hashes and checks secrets with argon2id; every check costs the same, hit or miss.

    At most ``limit`` computations run at once (by default one per ``parallelism`` cores, as
    each computation runs that many lane threads, and at least one), so a flood of
    logins cannot take every core and starve other requests. Up to ``queue_limit`` more
    wait, each at most ``queue_seconds``; past that, or after waiting that long, the call
    fails at once with SERVICE_UNAVAILABLE. A login takes its place with ``admission()``
    before its throttle bookkeeping, so that a flood past those places is turned away
    before it costs the database anything.
    """

    def __init__(
        self,
        parameters: Argon2Parameters | None = None,
        *,
        limit: int | None = None,
        queue_limit: int | None = None,
        queue_seconds: float = 2.0,
    ) -> None:
        self.parameters = parameters or Argon2Parameters()
        # argon2 runs ``parallelism`` lanes, each on a thread of its own: one computation
        # takes that many cores.
        cores = os.cpu_count() or 1
        self.limit = limit or max(1, cores // self.parameters.parallelism)
        self.queue_limit = self.limit * 2 if queue_limit is None else queue_limit
        self.queue_seconds = queue_seconds
        self._slots: asyncio.Semaphore | None = None
        self._slots_loop: asyncio.AbstractEventLoop | None = None
        self._waiting = 0
        self._admitted = 0
        self._running = 0
        self._refused = 0
        self._argon2 = _Argon2(
            time_cost=self.parameters.time_cost,
            memory_cost=self.parameters.memory_cost_kib,
            parallelism=self.parameters.parallelism,
        )
        self._dummy_hash = self._argon2.hash(secrets.token_urlsafe(24))

    async def hash(self, secret: str) -> str:
        """Return the argon2id hash of ``secret`` (salted, encoded with its parameters)."""
        return await self._bounded(self._argon2.hash, _utf8(secret))

    def needs_rehash(self, hashed: str) -> bool:
        """Tell whether ``hashed`` was made with other parameters than the current ones."""
        try:
            return self._argon2.check_needs_rehash(hashed)
        except InvalidHashError:
            return True

    async def verify(self, hashed: str | None, secret: str) -> bool:
        """Tell whether ``secret`` matches ``hashed``.

        With no hash (unknown account, no password yet) a dummy hash is checked instead, so
        the answer takes as long as a real one and timing does not tell the cases apart.
        """
        return await self._bounded(self._verify, hashed, secret)

    @contextmanager
    def admission(self) -> Iterator[None]:
        """Hold one of the hasher's places (its slots and its queue) for a caller about to hash.

        Raises SERVICE_UNAVAILABLE at once when every place is held: the caller has done no
        work yet, so a refused request costs next to nothing. Hashing inside the block still
        waits for a slot as usual.
        """
        if self._admitted >= self.limit + self.queue_limit:
            self._refused += 1
            raise service_unavailable()
        self._admitted += 1
        try:
            yield
        finally:
            self._admitted -= 1

    def queue_state(self) -> QueueState:
        """Return how many computations run, wait and were refused (in this process)."""
        return QueueState(running=self._running, waiting=self._waiting, refused=self._refused)

    async def _bounded(self, work: Callable[..., T], *args: object) -> T:
        """Run ``work`` in a thread once a slot is free; refuse when the queue is full."""
        slots = self._slots_for_this_loop()
        if slots.locked() and self._waiting >= self.queue_limit:
            self._refused += 1
            raise service_unavailable()
        self._waiting += 1
        try:
            async with asyncio.timeout(self.queue_seconds):
                await slots.acquire()
        except TimeoutError:
            self._refused += 1
            raise service_unavailable() from None
        finally:
            self._waiting -= 1
        # The slot is given back when the thread ends, not when the caller stops waiting
        # (a cancelled request's computation still occupies its core until it finishes).
        self._running += 1
        running = asyncio.get_running_loop().run_in_executor(_HASHING_THREADS, work, *args)
        running.add_done_callback(lambda done: self._finished(slots, done))
        return await asyncio.shield(running)

    def _finished(self, slots: asyncio.Semaphore, done: asyncio.Future[Any]) -> None:
        self._running -= 1
        _release(slots, done)

    def _slots_for_this_loop(self) -> asyncio.Semaphore:
        """Return the semaphore of the running event loop (tests run several loops)."""
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots_loop is not loop:
            self._slots = asyncio.Semaphore(self.limit)
            self._slots_loop = loop
            self._waiting = 0
        return self._slots

    def _verify(self, hashed: str | None, secret: str) -> bool:
        try:
            matched = self._argon2.verify(hashed or self._dummy_hash, _utf8(secret))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return matched and hashed is not None


def _release(slots: asyncio.Semaphore, done: asyncio.Future[Any]) -> None:
    """Free a slot; read the outcome so an abandoned computation's error is not reported."""
    slots.release()
    if not done.cancelled():
        done.exception()


def service_unavailable() -> DomainError:
    """Return the error of a hashing request turned away because every slot is busy."""
    return DomainError(ErrorCode.SERVICE_UNAVAILABLE, BUSY_MESSAGE)


def _utf8(text: str) -> bytes:
    """Encode any Python string, lone surrogates included (they are valid JSON escapes)."""
    return text.encode("utf-8", "surrogatepass")
