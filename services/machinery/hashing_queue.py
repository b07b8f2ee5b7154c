"""Fair turns at the password hasher: clients take turns, so one cannot crowd out the rest.

A password hash takes a core for a quarter of a second, so the hasher runs only a few at
once (``slots``) and the rest wait. Who goes next decides who can log in during a flood.
A first-come queue lets one client with many connections fill it; this one is fair:

- Each client (its address) has a **line** of its own, served in order. Only the head of a
  line holds a **place** in the hasher's queue; the next of that client takes a place when
  the one before has finished. So every client holds at most one place, running or waiting,
  and the places are served in order: clients take turns, one hash each.
- An **email** holds at most one place as well: guesses at one email from many addresses
  go one at a time, and never crowd out the rest.
- A **known** request (the operator's email from an address they logged in from in the
  last 30 days, ``services.machinery.throttle``) is not held back by guesses at its email, and known
  and other requests take turns: while both wait, every other slot goes to a known one. So
  the owner of an account keeps logging in during a flood from many addresses that have
  never logged in; and a flood that is known (anyone's own account is known from where they
  log in) still leaves every other slot to the rest.
- A request waits at most ``patience`` seconds, then it is turned away as busy
  (SERVICE_UNAVAILABLE); a client with ``line_limit`` requests in line, or a hasher with
  ``queue_limit`` requests in all, turns the next one away at once, before any work
  (RATE_LIMITED and SERVICE_UNAVAILABLE).

A ``Ticket`` is a request's place in its line. It is taken before any other work (so that a
request turned away costs nothing), told its email and whether it is known once those are
read, and waits for its turn only when its password is about to be hashed. One event loop
runs the queue; the state is per process.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from services.errors import DomainError, ErrorCode

BUSY_MESSAGE = "The server is busy. Try again in a moment."
CROWDED_MESSAGE = (
    "Too many sign-ins from your network are being checked at once. Try again in a moment."
)
_serial = itertools.count()


def busy() -> DomainError:
    """Return the error of a request turned away because the hasher is too busy."""
    return DomainError(ErrorCode.SERVICE_UNAVAILABLE, BUSY_MESSAGE)


def crowded() -> DomainError:
    """Return the error of a request turned away because its client has enough in line."""
    return DomainError(ErrorCode.RATE_LIMITED, CROWDED_MESSAGE)


@dataclass(eq=False)
class Ticket:
    """One request's place in its client's line, until it leaves."""

    client: str
    """The line it stands in: the client's address."""
    email: str | None = None
    """The email it holds a place for, if any (None: none, or a known request)."""
    known: bool = False
    """Served before requests that are not known."""
    serial: int = field(default_factory=lambda: next(_serial))
    granted: asyncio.Future[None] | None = None
    """Set once it asked for its turn; done when its turn came."""
    placed: bool = False
    """Whether it holds a place in the hasher's queue (waiting in it, or running)."""
    queued: bool = False
    """Whether it waits in the hasher's queue for a free slot."""
    running: bool = False

    def identify(self, *, email: str | None, known: bool) -> None:
        """Say which email the request hashes for and whether it is known (before its turn).

        A known request holds no email place: guesses at its email do not hold it back.
        """
        self.known = known
        self.email = None if known else email


@dataclass(frozen=True)
class QueueState:
    """A snapshot of the queue, for monitoring."""

    running: int
    """Computations running now."""
    waiting: int
    """Requests waiting for their turn."""
    refused: int
    """Requests turned away (too busy, or their client had enough in line) since start."""


class HashingQueue:
    """Hands out the hasher's ``slots`` in fair turns; see the module's description."""

    def __init__(self, *, slots: int, queue_limit: int, line_limit: int, patience: float) -> None:
        self.slots = slots
        self.queue_limit = queue_limit
        self.line_limit = line_limit
        self.patience = patience
        self._lines: OrderedDict[str, deque[Ticket]] = OrderedDict()
        self._known: deque[Ticket] = deque()
        self._others: deque[Ticket] = deque()
        self._emails: set[str] = set()
        self._known_next = True
        self._tickets = 0
        self._running = 0
        self._refused = 0

    def ticket(self, client: str) -> Ticket:
        """Take a place at the end of ``client``'s line, or refuse at once.

        Raises RATE_LIMITED when the client has ``line_limit`` requests in line already and
        SERVICE_UNAVAILABLE when the queue holds ``queue_limit`` requests in all.
        """
        line = self._lines.get(client)
        if line is not None and len(line) >= self.line_limit:
            self._refused += 1
            raise crowded()
        if self._tickets >= self.queue_limit:
            self._refused += 1
            raise busy()
        ticket = Ticket(client=client)
        self._lines.setdefault(client, deque()).append(ticket)
        self._tickets += 1
        return ticket

    async def turn(self, ticket: Ticket) -> None:
        """Wait until the ticket may run its computation; call ``done`` once it has.

        Raises SERVICE_UNAVAILABLE (and the ticket leaves) when the turn does not come
        within ``patience`` seconds of asking. A caller cancelled while it waits gives back
        the slot it may have been granted meanwhile.
        """
        ticket.granted = asyncio.get_running_loop().create_future()
        self._dispatch()
        try:
            async with asyncio.timeout(self.patience):
                await asyncio.shield(ticket.granted)
        except TimeoutError:
            if ticket.running:  # granted as the time ran out
                return
            self._refused += 1
            self.leave(ticket)
            raise busy() from None
        except BaseException:
            self.done(ticket)
            raise

    def done(self, ticket: Ticket) -> None:
        """Free the ticket's slot: its computation ended (finished, failed or abandoned)."""
        if ticket.running:
            ticket.running = False
            self._running -= 1
        self.leave(ticket)

    def leave(self, ticket: Ticket) -> None:
        """Take the ticket out of its line and the queue, wherever it is (idempotent).

        A running ticket stays until ``done``: its computation still holds a core.
        """
        if ticket.running:
            return
        line = self._lines.get(ticket.client)
        if line is None or ticket not in line:
            return
        line.remove(ticket)
        if not line:
            del self._lines[ticket.client]
        self._tickets -= 1
        if ticket.queued:
            ticket.queued = False
            (self._known if ticket.known else self._others).remove(ticket)
        if ticket.placed:
            ticket.placed = False
            if ticket.email is not None:
                self._emails.discard(ticket.email)
        self._dispatch()

    def state(self) -> QueueState:
        """Return how many computations run, how many requests wait, how many were refused."""
        waiting = sum(
            1
            for line in self._lines.values()
            for ticket in line
            if ticket.granted is not None and not ticket.running
        )
        return QueueState(running=self._running, waiting=waiting, refused=self._refused)

    def _dispatch(self) -> None:
        """Give places to the lines' heads that may have one, then free slots to the queue."""
        for line in self._lines.values():
            head = line[0]
            if head.placed or head.granted is None:
                continue
            if head.email is not None and head.email in self._emails:
                continue
            head.placed = head.queued = True
            if head.email is not None:
                self._emails.add(head.email)
            (self._known if head.known else self._others).append(head)
        while self._running < self.slots and (self._known or self._others):
            if self._known and self._others:  # both wait: the classes take turns
                source = self._known if self._known_next else self._others
                self._known_next = not self._known_next
            else:
                source = self._known or self._others
            ticket = source.popleft()
            ticket.queued = False
            ticket.running = True
            self._running += 1
            assert ticket.granted is not None
            ticket.granted.set_result(None)
