"""Fair turns at the password hasher: clients take turns, an email holds one place, the
owner's known address goes first, and bounds refuse at once. Unit tests of the queue, with
real asyncio concurrency and no database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from services.errors import DomainError, ErrorCode
from services.machinery.hashing_queue import HashingQueue, Ticket


class Recorder:
    """Runs requests through a queue and records the order in which they arrived in it and
    in which their turns came."""

    def __init__(self, queue: HashingQueue) -> None:
        self.queue = queue
        self.arrived: list[str] = []
        self.order: list[str] = []
        self.finish: dict[str, asyncio.Event] = {}

    async def request(
        self, name: str, client: str, *, email: str | None = None, known: bool = False
    ) -> str:
        """One request: take a ticket, ask for a turn, hold the slot until told to finish."""
        ticket = self.queue.ticket(client)
        try:
            ticket.identify(email=email, known=known)
            self.arrived.append(name)  # in the queue: ``turn`` takes its place before it waits
            await self.queue.turn(ticket)
            self.order.append(name)
            self.finish[name] = event = asyncio.Event()
            await event.wait()
            self.queue.done(ticket)
            return name
        finally:
            self.queue.leave(ticket)

    async def release(self, name: str) -> None:
        """Let a running request finish (once its turn has come)."""
        await until(lambda: name in self.finish)
        self.finish[name].set()


async def until(condition: Callable[[], bool]) -> None:
    """Yield to the event loop until ``condition`` holds (the other tasks run meanwhile)."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


def queue(slots: int = 1, *, line_limit: int = 8, queue_limit: int = 64) -> HashingQueue:
    return HashingQueue(slots=slots, queue_limit=queue_limit, line_limit=line_limit, patience=5)


async def one_at_a_time(recorder: Recorder, count: int) -> None:
    """With one slot: let each of ``count`` requests finish as its turn comes."""
    for index in range(count):
        await until(lambda index=index: len(recorder.order) > index)  # type: ignore[misc]
        await recorder.release(recorder.order[index])


async def test_clients_take_turns_however_many_requests_one_of_them_sends() -> None:
    recorder = Recorder(queue())
    flood = [recorder.request(f"flood{n}", "203.0.113.1") for n in range(5)]
    others = [recorder.request(f"user{n}", f"198.51.100.{n}") for n in range(3)]
    tasks = []
    for request in [*flood, *others]:  # in this order, each in the queue before the next
        tasks.append(asyncio.ensure_future(request))
        await until(lambda: len(recorder.arrived) == len(tasks))
    await one_at_a_time(recorder, 8)
    await asyncio.gather(*tasks)
    # The flood arrived first with five requests; the others each waited for one of them.
    assert recorder.order == [
        "flood0",
        "user0",
        "user1",
        "user2",
        "flood1",
        "flood2",
        "flood3",
        "flood4",
    ]


async def test_an_email_holds_one_place_and_a_known_request_goes_first() -> None:
    recorder = Recorder(queue(slots=2))
    guesses = [
        recorder.request(f"guess{n}", f"203.0.113.{n}", email="victim@acme.example")
        for n in range(3)
    ]
    other = recorder.request("other", "198.51.100.1", email="other@acme.example")
    owner = recorder.request("owner", "198.51.100.9", email="victim@acme.example", known=True)
    tasks = [asyncio.ensure_future(start) for start in [*guesses, other, owner]]
    await until(lambda: len(recorder.order) == 2)
    # Two slots: one guess at the victim's email, and the other email beside it, not a
    # second guess at the same email.
    assert recorder.order == ["guess0", "other"]
    await recorder.release("other")
    await until(lambda: len(recorder.order) == 3)
    # The owner, known, takes the free slot ahead of the guesses, the email notwithstanding.
    assert recorder.order == ["guess0", "other", "owner"]
    for name in ("guess0", "owner", "guess1", "guess2"):
        await recorder.release(name)
    await asyncio.gather(*tasks)
    assert recorder.order[3:] == ["guess1", "guess2"]


async def test_a_full_line_or_queue_refuses_at_once() -> None:
    hashing = queue(line_limit=2, queue_limit=3)
    held = [hashing.ticket("203.0.113.1"), hashing.ticket("203.0.113.1")]
    with pytest.raises(DomainError) as crowded:
        hashing.ticket("203.0.113.1")
    assert crowded.value.code is ErrorCode.RATE_LIMITED
    held.append(hashing.ticket("198.51.100.1"))
    with pytest.raises(DomainError) as busy:
        hashing.ticket("198.51.100.2")
    assert busy.value.code is ErrorCode.SERVICE_UNAVAILABLE
    assert hashing.state().refused == 2
    for ticket in held:
        hashing.leave(ticket)
    hashing.leave(hashing.ticket("198.51.100.2"))  # room again


async def test_a_request_waiting_past_its_patience_leaves_and_the_next_goes_on() -> None:
    hashing = HashingQueue(slots=1, queue_limit=8, line_limit=8, patience=0.05)
    running = hashing.ticket("198.51.100.1")
    await hashing.turn(running)
    late = hashing.ticket("203.0.113.1")
    with pytest.raises(DomainError) as refused:
        await hashing.turn(late)
    assert refused.value.code is ErrorCode.SERVICE_UNAVAILABLE
    following: Ticket = hashing.ticket("203.0.113.1")  # the same client, behind no one now
    hashing.done(running)
    await hashing.turn(following)
    assert hashing.state().running == 1
    hashing.done(following)
    assert hashing.state() == type(hashing.state())(running=0, waiting=0, refused=1)


async def test_a_request_cancelled_while_it_waits_gives_its_place_up() -> None:
    hashing = queue()
    running = hashing.ticket("198.51.100.1")
    await hashing.turn(running)
    waiting = hashing.ticket("203.0.113.1")
    task = asyncio.ensure_future(hashing.turn(waiting))
    await until(lambda: hashing.state().waiting == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    hashing.leave(waiting)
    assert hashing.state().waiting == 0
    nxt = hashing.ticket("203.0.113.1")
    hashing.done(running)
    await hashing.turn(nxt)
    hashing.done(nxt)


async def test_known_requests_and_the_others_take_turns_while_both_wait() -> None:
    recorder = Recorder(queue())
    blocker = asyncio.ensure_future(recorder.request("first", "192.0.2.1"))
    await until(lambda: recorder.order == ["first"])
    tasks = [
        asyncio.ensure_future(recorder.request(f"known{n}", f"203.0.113.{n}", known=True))
        for n in range(3)
    ] + [asyncio.ensure_future(recorder.request(f"new{n}", f"198.51.100.{n}")) for n in range(2)]
    await until(lambda: recorder.queue.state().waiting == 5)
    await one_at_a_time(recorder, 6)
    await asyncio.gather(blocker, *tasks)
    assert recorder.order == ["first", "known0", "new0", "known1", "new1", "known2"]


async def test_a_request_cancelled_as_its_turn_comes_gives_the_slot_back() -> None:
    hashing = queue()
    running = hashing.ticket("198.51.100.1")
    await hashing.turn(running)
    waiting = hashing.ticket("203.0.113.1")
    task = asyncio.ensure_future(hashing.turn(waiting))
    await until(lambda: hashing.state().waiting == 1)
    hashing.done(running)  # the slot goes to the waiting request at once...
    assert waiting.running
    task.cancel()  # ...which is cancelled before it could use it
    with pytest.raises(asyncio.CancelledError):
        await task
    assert hashing.state().running == 0
    after = hashing.ticket("198.51.100.2")
    await hashing.turn(after)  # the slot is free
    hashing.done(after)
