"""Webhook delivery: 1,000 events to a local receiver, and a slow receiver beside a fast one.

Part of ``make bench``, and runs on its own with ``python -m bench.webhooks``. On SQLite and
PostgreSQL, each in a process of its own (Tortoise binds its queries to the first database
a process opens), with the product's sender and its default limits:

- ``1000 events``: 1,000 events queued for one endpoint whose receiver answers at once;
  the time from the first attempt until all are delivered;
- ``beside a slow one``: the same 1,000 events for that endpoint while another account's
  endpoint answers each request after 2 s and has 100 events queued first (older, so that
  they come first in the queue); the time until the fast endpoint's events are delivered,
  as a ratio to the first run. Near 1 means the slow endpoint holds nobody up.

The receivers run in a process of their own (the standard library's threaded HTTP server):
``/fast`` answers 204 at once, ``/slow`` after 2 s.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from bench.each_database import command_line, on_each_database
from mail.outbox import Outbox
from models import Account, TwoFactorMode, WebhookDelivery, WebhookEndpoint
from services.machinery.clock import SystemClock
from services.machinery.dependencies import Dependencies
from services.machinery.encryption import SecretBox, generate_key
from services.machinery.hashing import Argon2Parameters, PasswordHasher
from services.webhooks import events
from services.webhooks.addresses import WebhookNetwork
from services.webhooks.endpoints import new_secret
from services.webhooks.events import WebhookEventType
from services.webhooks.sender import WebhookSender
from twofa.database import apply_migrations, tortoise_config

EVENTS = 1_000
"""Events for the fast endpoint."""
SLOW_EVENTS = 100
"""Events for the slow endpoint, queued first."""
SLOW_SECONDS = 2.0
"""How long the slow receiver takes to answer."""


def _serve(port_out: Any) -> None:
    """Run the receivers until killed (in a process of its own)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            if self.path == "/slow":
                time.sleep(SLOW_SECONDS)
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.send(server.server_address[1])
    server.serve_forever()


async def _endpoint(deps: Dependencies, name: str, url: str) -> WebhookEndpoint:
    now = deps.now()
    account = await Account.create(
        name=name, two_factor_default=TwoFactorMode.OPTIONAL, created_at=now
    )
    return await WebhookEndpoint.create(
        account_id=account.id,
        url=url,
        event_types=[WebhookEventType.API_KEY_CREATED.value],
        secret_encrypted=deps.box.encrypt(new_secret()),
        created_at=now,
    )


async def _queue(deps: Dependencies, endpoint: WebhookEndpoint, count: int) -> None:
    async with in_transaction():
        for n in range(count):
            data = {"apiKey": {"id": events.global_id("ApiKey", n + 1)}}
            await events.emit(endpoint.account_id, WebhookEventType.API_KEY_CREATED, data,
                              deps.now())  # fmt: skip


async def _delivered(endpoint: WebhookEndpoint) -> int:
    return await WebhookDelivery.filter(endpoint_id=endpoint.id, status="SUCCEEDED").count()


async def _until_delivered(endpoint: WebhookEndpoint, count: int) -> float:
    """Run a sender until ``count`` of the endpoint's events are delivered; return seconds."""
    deps = _deps()
    sender = WebhookSender(deps, wall_clock=SystemClock().now, poll_seconds=0.05)
    started = time.perf_counter()
    running = asyncio.create_task(sender.run())
    while await _delivered(endpoint) < count:  # noqa: ASYNC110 - polls the database
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - started
    sender.stop()
    await running
    return elapsed


def _deps() -> Dependencies:
    box = SecretBox([KEY])
    return Dependencies(
        clock=SystemClock(),
        hasher=PasswordHasher(Argon2Parameters()),
        box=box,
        outbox=Outbox(box, "http://127.0.0.1"),
        webhook_network=WebhookNetwork(allow_private=True),
    )


KEY = generate_key()


async def _run(url: str, port: int) -> dict[str, Any]:
    await apply_migrations(url)
    await Tortoise.init(config=tortoise_config(url))
    try:
        deps = _deps()
        fast = await _endpoint(deps, "Fast", f"http://127.0.0.1:{port}/fast")
        await _queue(deps, fast, EVENTS)
        alone = await _until_delivered(fast, EVENTS)

        slow = await _endpoint(deps, "Slow", f"http://127.0.0.1:{port}/slow")
        fast_again = await _endpoint(deps, "Fast again", f"http://127.0.0.1:{port}/fast")
        await _queue(deps, slow, SLOW_EVENTS)
        await _queue(deps, fast_again, EVENTS)
        beside = await _until_delivered(fast_again, EVENTS)
        slow_done = await _delivered(slow)
    finally:
        await Tortoise.close_connections()
    return {
        "events": EVENTS,
        "alone_seconds": round(alone, 2),
        "events_per_second": round(EVENTS / alone),
        "beside_slow_seconds": round(beside, 2),
        "ratio_beside_slow_to_alone": round(beside / alone, 2),
        "slow_delivered_meanwhile": slow_done,
        "slow_queued": SLOW_EVENTS,
    }


def _one_database(url: str) -> dict[str, Any]:
    receive, send = multiprocessing.Pipe(duplex=False)
    receivers = multiprocessing.Process(target=_serve, args=(send,), daemon=True)
    receivers.start()
    try:
        return asyncio.run(_run(url, receive.recv()))
    finally:
        receivers.kill()


def measure(postgres_url: str | None) -> dict[str, Any]:
    """Run both scenarios on SQLite and (unless None) PostgreSQL; print and return them."""
    report = on_each_database("bench.webhooks", postgres_url)
    print_report(report)
    return report


def print_report(report: dict[str, Any]) -> None:
    """Print the webhook lines."""
    for label, figures in report.items():
        print(
            f"{label} webhooks: {figures['events']} events delivered in "
            f"{figures['alone_seconds']} s ({figures['events_per_second']}/s); beside a slow "
            f"receiver {figures['beside_slow_seconds']} s "
            f"({figures['ratio_beside_slow_to_alone']}x), the slow one "
            f"{figures['slow_delivered_meanwhile']}/{figures['slow_queued']} meanwhile"
        )


def main() -> None:
    """Measure alone and write ``bench/results/webhooks.json``."""
    command_line(__doc__ or "", "webhooks", _one_database, measure)


if __name__ == "__main__":
    main()
