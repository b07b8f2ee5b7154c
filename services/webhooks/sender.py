"""The background sender: claims due deliveries, POSTs them signed, records the outcome.

Several processes may run it on one database: a claim is a lease taken with ``SELECT …
FOR UPDATE SKIP LOCKED`` (PostgreSQL) and a conditional UPDATE, so no two take the same
delivery; a process that dies mid-attempt leaves a lease that runs out, and another
process tries again (at least once, not exactly once: receivers drop duplicates by
``webhook-id``).

Endpoints share the sender, so none may hold it up: attempts run side by side, at most
``per_endpoint`` for one endpoint and ``per_account`` for one account at a time in a
process, and a claim skips what is at its limit. A receiver that answers in 10 s, or never,
costs its own account a few slots and nobody else anything.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import time
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from standardwebhooks.webhooks import Webhook
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from mail.messages import MailKind
from models import (
    Operator,
    OperatorRole,
    OperatorStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from services import audit
from services.audit import AuditEventKind
from services.errors import DomainError
from services.machinery.dependencies import Dependencies
from services.notifications import notify
from services.webhooks.addresses import RESOLVE_SECONDS, Target
from services.webhooks.endpoints import described_url, signing_secrets
from services.webhooks.events import WebhookDeliveryStatus
from services.webhooks.schedule import ATTEMPT_TIMEOUT_SECONDS, DISABLE_AFTER, retry_delay

logger = logging.getLogger("twofa.webhooks")

LEASE = timedelta(seconds=60)
"""How long a claim keeps other senders away (well over one attempt's 10 s)."""
ACCOUNTS_REREAD_SECONDS = 1.0
"""How often the sender reads again which accounts have due deliveries."""
MAX_ACCOUNTS_A_ROUND = 1000
"""Accounts with due deliveries read at a time (more take their turns a second later)."""
USER_AGENT = "twofa-webhooks/1"
"""The User-Agent of every delivery."""
Outcome = Callable[[WebhookDeliveryStatus], None]
"""Told the status each attempt ends in (for counters; it must not fail)."""


@dataclass(frozen=True)
class SenderLimits:
    """How many attempts run at once in one process, in all and per endpoint and account."""

    in_flight: int = 64
    per_endpoint: int = 4
    per_account: int = 16


@dataclass(frozen=True)
class Answer:
    """What one attempt came to: the HTTP status, if any, and why it failed, if it did."""

    status: int | None
    error: str | None

    @property
    def succeeded(self) -> bool:
        """Any 2xx answer is a success."""
        return self.error is None


def _claimable(now: datetime) -> Q:
    return Q(next_attempt_at__lte=now) & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))


def new_client() -> httpx.AsyncClient:
    """Return the HTTP client deliveries use.

    It follows no redirect, takes no proxy from the environment, and keeps no connection for
    another request: each delivery connects to the address it checked.
    """
    return httpx.AsyncClient(
        timeout=ATTEMPT_TIMEOUT_SECONDS,
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=0),
    )


class WebhookSender:
    """Delivers due webhook deliveries, forever (``run``) or until none is due (``drain``)."""

    def __init__(
        self,
        deps: Dependencies,
        *,
        wall_clock: Callable[[], datetime],
        limits: SenderLimits | None = None,
        poll_seconds: float = 1.0,
        on_outcome: Outcome | None = None,
    ) -> None:
        self._deps = deps
        self._wall_clock = wall_clock
        """Dates the ``webhook-timestamp`` header, which receivers compare with their clock."""
        self._limits = limits or SenderLimits()
        self._poll_seconds = poll_seconds
        self._on_outcome = on_outcome
        self._client: httpx.AsyncClient | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._per_endpoint: Counter[int] = Counter()
        self._per_account: Counter[int] = Counter()
        self._turns: dict[int, int] = {}
        """When this process last served each account (a counter, not a time)."""
        self._turn = itertools.count(1)
        self._due_accounts: list[int] = []
        self._due_accounts_read_at = -ACCOUNTS_REREAD_SECONDS
        self._claiming = asyncio.Lock()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Deliver until ``stop``; a failed round is logged and the loop goes on."""
        while not self._stopping.is_set():
            try:
                await self.start_due()
            except Exception:
                logger.exception("Webhook round failed; retrying")
            self._wake.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
        await self._finish_in_flight()
        await self.aclose()

    def stop(self) -> None:
        """Ask ``run`` to return once the attempts under way end."""
        self._stopping.set()
        self._wake.set()

    async def drain(self) -> None:
        """Deliver what is due now, and what becomes due while doing so, then return."""
        while await self.start_due() or self._in_flight:
            await asyncio.wait(set(self._in_flight), return_when=asyncio.FIRST_COMPLETED)

    async def aclose(self) -> None:
        """Release the HTTP client (for a sender used only through ``drain``)."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def start_due(self) -> int:
        """Claim what is due and may start within the limits; start it; return how many.

        One claim at a time per sender: a second one would skip the rows the first holds
        and see them neither due nor in flight.
        """
        async with self._claiming:
            return self._start(await self._claim(self._deps.now()))

    def _start(self, claimed: list[WebhookDelivery]) -> int:
        """Start an attempt at each claimed delivery; return how many."""
        for delivery in claimed:
            self._per_endpoint[delivery.endpoint_id] += 1
            self._per_account[delivery.account_id] += 1
            task = asyncio.create_task(self._attempt(delivery), name="webhook-delivery")
            self._in_flight.add(task)
            task.add_done_callback(functools.partial(self._ended, delivery))
        return len(claimed)

    def _ended(self, delivery: WebhookDelivery, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._per_endpoint[delivery.endpoint_id] -= 1
        self._per_account[delivery.account_id] -= 1
        self._wake.set()
        if not task.cancelled() and task.exception() is not None:
            logger.error("Webhook delivery %s failed", delivery.id, exc_info=task.exception())

    async def _finish_in_flight(self) -> None:
        if self._in_flight:
            await asyncio.wait(set(self._in_flight))

    async def _claim(self, now: datetime) -> list[WebhookDelivery]:
        """Lease due deliveries that nobody holds, within the limits, accounts in turn.

        Accounts with due deliveries take turns, the one this process served longest ago
        first, each its oldest deliveries: one account's backlog, however long, delays
        another account's event by no more than a turn.
        """
        if len(self._in_flight) >= self._limits.in_flight:
            return []
        full_endpoints = [
            key for key, n in self._per_endpoint.items() if n >= self._limits.per_endpoint
        ]
        due = WebhookDelivery.filter(_claimable(now))
        if full_endpoints:
            due = due.exclude(endpoint_id__in=full_endpoints)
        async with in_transaction():
            accounts, fresh = await self._accounts_in_turn(due, refresh=False)
            claimed = await self._take(due, accounts)
            if not claimed and not fresh:
                # The accounts read a moment ago had nothing: look again, so that an
                # account with new deliveries is served now, not a second later.
                accounts, _ = await self._accounts_in_turn(due, refresh=True)
                claimed = await self._take(due, accounts)
            if not claimed:
                return []
            # The rows are locked (PostgreSQL) or the transaction is the only writer
            # (SQLite's BEGIN IMMEDIATE): none can have been claimed since they were read.
            taken = await WebhookDelivery.filter(_claimable(now), id__in=claimed).update(
                claimed_until=now + LEASE
            )
            if taken != len(claimed):
                raise RuntimeError("webhook deliveries claimed twice; claims left to expire")
            return await WebhookDelivery.filter(id__in=claimed).order_by("next_attempt_at", "id")

    async def _take(self, due: QuerySet[WebhookDelivery], accounts: list[int]) -> list[int]:
        """Pick due deliveries of the accounts, in their order, within the free slots."""
        limits = self._limits
        free = limits.in_flight - len(self._in_flight)
        endpoints, per_account = Counter(self._per_endpoint), Counter(self._per_account)
        taken: list[int] = []
        for account_id in accounts:
            room = min(free - len(taken), limits.per_account - per_account[account_id])
            if room <= 0:
                continue
            candidates = (
                await due.filter(account_id=account_id)
                .order_by("next_attempt_at", "id")
                .limit(room * limits.per_endpoint)
                .only("id", "endpoint_id")
                .select_for_update(skip_locked=True)
            )
            for candidate in candidates:
                if room == 0:
                    break
                if endpoints[candidate.endpoint_id] < limits.per_endpoint:
                    taken.append(candidate.id)
                    endpoints[candidate.endpoint_id] += 1
                    room -= 1
            self._turns[account_id] = next(self._turn)
            if len(taken) == free:
                break
        return taken

    async def _accounts_in_turn(
        self, due: QuerySet[WebhookDelivery], *, refresh: bool
    ) -> tuple[list[int], bool]:
        """Return the accounts with due deliveries, least recently served first.

        The flag says whether the list was read just now. It is read (a DISTINCT over the
        due rows) at most once a second unless ``refresh``; in between, an account whose
        deliveries are all out yields none.
        """
        clock = time.monotonic()
        fresh = refresh or clock - self._due_accounts_read_at >= ACCOUNTS_REREAD_SECONDS
        if fresh:
            rows = await due.distinct().limit(MAX_ACCOUNTS_A_ROUND).values_list("account_id")
            self._due_accounts = [int(row[0]) for row in rows]
            self._due_accounts_read_at = clock
        ordered = sorted(self._due_accounts, key=lambda account: self._turns.get(account, 0))
        return ordered, fresh

    async def _attempt(self, delivery: WebhookDelivery) -> None:
        """Make one attempt at a claimed delivery and record what came of it."""
        now = self._deps.now()
        endpoint = await WebhookEndpoint.get_or_none(id=delivery.endpoint_id)
        if endpoint is None:
            return  # deleted, with its delivery log, meanwhile
        if not endpoint.enabled:
            await self._record(delivery, WebhookDeliveryStatus.GIVEN_UP, now, counted=False,
                               answer=Answer(None, "The endpoint is disabled."))  # fmt: skip
            return
        try:
            answer = await self._send(endpoint, delivery, now)
        except Exception:  # a bug must not leave the delivery to be claimed forever
            logger.exception("Webhook delivery %s failed unexpectedly", delivery.id)
            answer = Answer(None, "Could not deliver: an unexpected error, logged.")
        attempts = delivery.attempts + 1
        if answer.succeeded:
            recorded = await self._record(
                delivery, WebhookDeliveryStatus.SUCCEEDED, now, answer=answer
            )
            if recorded and endpoint.failing_since is not None:
                await WebhookEndpoint.filter(id=endpoint.id).update(failing_since=None)
            return
        retry = retry_delay(attempts)
        status = WebhookDeliveryStatus.FAILED if retry else WebhookDeliveryStatus.GIVEN_UP
        retry_at = now + retry if retry is not None else None
        if not await self._record(delivery, status, now, answer=answer, retry_at=retry_at):
            return
        await WebhookEndpoint.filter(id=endpoint.id, failing_since__isnull=True).update(
            failing_since=now
        )
        await self._disable_if_failing(endpoint, now)

    async def _send(
        self, endpoint: WebhookEndpoint, delivery: WebhookDelivery, now: datetime
    ) -> Answer:
        """Check the URL's address again and POST the delivery there, within the deadline."""
        try:
            async with asyncio.timeout(ATTEMPT_TIMEOUT_SECONDS + RESOLVE_SECONDS):
                try:
                    target = await self._deps.webhook_network.target(endpoint.url)
                except DomainError as refused:
                    return Answer(None, refused.message)
                headers = self._headers(endpoint, delivery, now)
                return await self._post(target, headers, delivery)
        except TimeoutError:
            return Answer(None, f"No answer within {ATTEMPT_TIMEOUT_SECONDS:g} s.")

    def _headers(
        self, endpoint: WebhookEndpoint, delivery: WebhookDelivery, now: datetime
    ) -> dict[str, str]:
        """Return the Standard Webhooks headers: one ``v1`` signature per signing secret."""
        sent_at = self._wall_clock()
        signatures = " ".join(
            Webhook(secret).sign(delivery.event_id, sent_at, delivery.payload)
            for secret in signing_secrets(self._deps, endpoint, now)
        )
        return {
            "webhook-id": delivery.event_id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": signatures,
            "content-type": "application/json",
            "user-agent": USER_AGENT,
        }

    async def _post(
        self, target: Target, headers: dict[str, str], delivery: WebhookDelivery
    ) -> Answer:
        """POST the body to the checked address; never follow a redirect, never read the body."""
        extensions = {"sni_hostname": target.host} if target.url.scheme == "https" else {}
        if self._client is None:
            self._client = new_client()
        client = self._client
        try:
            request = client.build_request(
                "POST",
                target.address_url(),
                content=delivery.payload.encode(),
                headers={**headers, "host": target.host_header()},
                extensions=extensions,
            )
            async with asyncio.timeout(ATTEMPT_TIMEOUT_SECONDS):
                response = await client.send(request, stream=True)
                await response.aclose()
        except (TimeoutError, httpx.TimeoutException):
            return Answer(None, f"No answer within {ATTEMPT_TIMEOUT_SECONDS:g} s.")
        except (httpx.HTTPError, OSError) as error:
            return Answer(None, f"Could not deliver: {type(error).__name__}.")
        if 200 <= response.status_code < 300:
            return Answer(response.status_code, None)
        return Answer(response.status_code, f"The endpoint answered HTTP {response.status_code}.")

    async def _record(
        self,
        delivery: WebhookDelivery,
        status: WebhookDeliveryStatus,
        now: datetime,
        *,
        answer: Answer,
        retry_at: datetime | None = None,
        counted: bool = True,
    ) -> bool:
        """Write the attempt's outcome and release the claim; False when the claim was lost.

        The claim's expiry is its token: if this attempt outlived its lease and another
        sender claimed the delivery since, this outcome is dropped, not written over theirs.
        """
        recorded = await WebhookDelivery.filter(
            id=delivery.id, claimed_until=delivery.claimed_until
        ).update(
            status=status.value,
            attempts=delivery.attempts + (1 if counted else 0),
            last_attempt_at=now if counted else delivery.last_attempt_at,
            next_attempt_at=retry_at,
            response_status=answer.status,
            last_error=answer.error,
            claimed_until=None,
        )
        if recorded and self._on_outcome is not None:
            self._on_outcome(status)
        return recorded == 1

    async def _disable_if_failing(self, endpoint: WebhookEndpoint, now: datetime) -> None:
        """Disable an endpoint that has failed for a day; audit it, email the administrators.

        Decided in one statement on the endpoint as stored now: a success that cleared its
        failures meanwhile, or an administrator who just enabled it, keeps it enabled.
        """
        async with in_transaction():
            changed = await WebhookEndpoint.filter(
                id=endpoint.id, enabled=True, failing_since__lte=now - DISABLE_AFTER
            ).update(enabled=False, disabled_at=now)
            if changed != 1:
                return
            stored = await WebhookEndpoint.get(id=endpoint.id)
            await audit.record(
                AuditEventKind.WEBHOOK_ENDPOINT_DISABLED,
                account_id=endpoint.account_id,
                now=now,
                details=described_url(stored),
            )
            administrators = await Operator.filter(
                account_id=endpoint.account_id,
                role=OperatorRole.ADMINISTRATOR,
                status=OperatorStatus.ACTIVE,
            )
            since = (stored.failing_since or now).strftime("%Y-%m-%d %H:%M UTC")
            for administrator in administrators:
                await notify(self._deps, MailKind.WEBHOOK_ENDPOINT_DISABLED, administrator, now,
                             url=stored.url, failing_since=since)  # fmt: skip
        logger.warning("Webhook endpoint %s disabled after failing since %s", endpoint.id, since)
