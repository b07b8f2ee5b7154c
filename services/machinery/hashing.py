"""Password hashing with argon2id, run off the event loop with bounded, fair concurrency."""

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

from services.machinery.client import current_client
from services.machinery.hashing_queue import HashingQueue, QueueState, Ticket

T = TypeVar("T")

UNKNOWN_CLIENT = "unknown"
"""The line of requests whose client address the server was not told."""

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


class PasswordHasher:
    """Hashes and checks secrets with argon2id; every check costs the same, hit or miss.

    At most ``limit`` computations run at once (by default one per ``parallelism`` cores, as
    each computation runs that many lane threads, and at least one), so a flood of logins
    cannot take every core and starve other requests. Who runs next is fair between
    clients (``services.machinery.hashing_queue``): each client address holds one place in the queue
    at a time, and waits its turn at most ``queue_seconds``. A request takes its ticket
    (``ticket()``) before any other work, so that one turned away costs nothing; calls
    without one take one for the client of the request being served.
    """

    def __init__(
        self,
        parameters: Argon2Parameters | None = None,
        *,
        limit: int | None = None,
        queue_limit: int = 256,
        line_limit: int = 8,
        queue_seconds: float = 5.0,
    ) -> None:
        self.parameters = parameters or Argon2Parameters()
        # argon2 runs ``parallelism`` lanes, each on a thread of its own: one computation
        # takes that many cores.
        cores = os.cpu_count() or 1
        self.limit = limit or max(1, cores // self.parameters.parallelism)
        self.queue_limit = queue_limit
        self.line_limit = line_limit
        self.queue_seconds = queue_seconds
        self._queue: HashingQueue | None = None
        self._queue_loop: asyncio.AbstractEventLoop | None = None
        self._argon2 = _Argon2(
            time_cost=self.parameters.time_cost,
            memory_cost=self.parameters.memory_cost_kib,
            parallelism=self.parameters.parallelism,
        )
        self._dummy_hash = self._argon2.hash(secrets.token_urlsafe(24))

    async def hash(self, secret: str, *, ticket: Ticket | None = None) -> str:
        """Return the argon2id hash of ``secret`` (salted, encoded with its parameters)."""
        return await self._bounded(ticket, self._argon2.hash, _utf8(secret))

    def needs_rehash(self, hashed: str) -> bool:
        """Tell whether ``hashed`` was made with other parameters than the current ones."""
        try:
            return self._argon2.check_needs_rehash(hashed)
        except InvalidHashError:
            return True

    async def verify(
        self, hashed: str | None, secret: str, *, ticket: Ticket | None = None
    ) -> bool:
        """Tell whether ``secret`` matches ``hashed``.

        With no hash (unknown account, no password yet) a dummy hash is checked instead, so
        the answer takes as long as a real one and timing does not tell the cases apart.
        """
        return await self._bounded(ticket, self._verify, hashed, secret)

    @contextmanager
    def ticket(self, client: str | None = None) -> Iterator[Ticket]:
        """Take a place in the line of ``client`` (an address; by default the request's).

        Raises at once, before any work, when the client or the hasher has too many requests
        in line (RATE_LIMITED, SERVICE_UNAVAILABLE). The place is left when the block ends.
        """
        queue = self._queue_for_this_loop()
        ticket = queue.ticket(client or current_client().ip_address or UNKNOWN_CLIENT)
        try:
            yield ticket
        finally:
            queue.leave(ticket)

    def queue_state(self) -> QueueState:
        """Return how many computations run, wait and were refused (in this process)."""
        queue = self._queue
        return queue.state() if queue is not None else QueueState(0, 0, 0)

    async def _bounded(self, ticket: Ticket | None, work: Callable[..., T], *args: object) -> T:
        """Run ``work`` in a thread once the ticket's turn comes (a ticket of its own if none)."""
        if ticket is None:
            with self.ticket() as own:
                return await self._bounded(own, work, *args)
        queue = self._queue_for_this_loop()
        await queue.turn(ticket)
        # The slot is given back when the thread ends, not when the caller stops waiting
        # (a cancelled request's computation still occupies its core until it finishes).
        try:
            running = asyncio.get_running_loop().run_in_executor(_HASHING_THREADS, work, *args)
        except BaseException:
            queue.done(ticket)
            raise
        running.add_done_callback(lambda done: _finished(queue, ticket, done))
        return await asyncio.shield(running)

    def _queue_for_this_loop(self) -> HashingQueue:
        """Return the queue of the running event loop (tests run several loops)."""
        loop = asyncio.get_running_loop()
        if self._queue is None or self._queue_loop is not loop:
            self._queue = HashingQueue(
                slots=self.limit,
                queue_limit=self.queue_limit,
                line_limit=self.line_limit,
                patience=self.queue_seconds,
            )
            self._queue_loop = loop
        return self._queue

    def _verify(self, hashed: str | None, secret: str) -> bool:
        try:
            matched = self._argon2.verify(hashed or self._dummy_hash, _utf8(secret))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return matched and hashed is not None


def _finished(queue: HashingQueue, ticket: Ticket, done: asyncio.Future[Any]) -> None:
    """Free the ticket's slot once its computation ended.

    The outcome is read, so that an abandoned computation's error is not reported.
    """
    queue.done(ticket)
    if not done.cancelled():
        done.exception()


def _utf8(text: str) -> bytes:
    """Encode any Python string, lone surrogates included (they are valid JSON escapes)."""
    return text.encode("utf-8", "surrogatepass")
