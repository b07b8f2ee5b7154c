"""Prometheus metrics: what they count, where the counts come from, and ``GET /metrics``.

Sources:

- GraphQL requests and latency: ``twofa.graphql_metrics``, told of each request by the HTTP
  guard, with what the ``/graphql`` view noted on it.
- Logins, code checks and lockouts: the audit log's events (``services.audit.observe``),
  so every path that audits one counts it. A login with an address no operator has is not
  audited, hence not in ``twofa_logins_total``; it is in
  ``twofa_graphql_requests_total{operation="login",outcome="user_error"}``.
- Failed deliveries: the outbox sender's failure hook. The backlog is read from the
  database at scrape time (it is the same whichever process is asked).
- The password-hash queue: each process samples its hasher every second.

With ``twofa serve --workers N`` the metrics use prometheus-client's multiprocess mode: the
serve command gives the workers a private directory in ``PROMETHEUS_MULTIPROC_DIR``, each
worker writes its values there, and a scrape of any worker sums them. Gauges of one
process are ``livesum``: a worker that shuts down removes its share (``mark_process_dead``).

No label holds an email, id, token or address: every label takes a fixed set of values.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import os
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from models import OutboxMessage
from services import audit
from services.audit import AuditEventKind
from services.machinery.hashing import PasswordHasher
from services.operators.directory import compliance_totals
from services.policy import TwoFactorCompliance
from services.sessions import SECOND_FACTORS, AuthenticationMethod
from services.webhooks.events import WebhookDeliveryStatus

MULTIPROCESS = values.ValueClass is not values.MutexValue
"""Whether values live in files shared by the workers: prometheus-client decides when it is
first imported, from ``PROMETHEUS_MULTIPROC_DIR`` (set by ``twofa serve``)."""
SAMPLE_SECONDS = 1.0
"""How often each process copies its hasher's queue into the gauges."""
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Bounds of the latency histogram, in seconds (a login's hash costs about 0.25 s)."""
METHODS = frozenset(method.value for method in AuthenticationMethod)
LOCKOUT_FACTORS = ("password", "code")
"""Values of ``twofa_lockouts_total``'s ``factor`` label (``other`` for anything else)."""
MAIL_RESULTS = ("retry", "given_up")
"""Values of ``twofa_mail_delivery_failures_total``'s ``result`` label."""
CODE_OUTCOMES = ("accepted", "rejected")
"""Values of ``twofa_code_checks_total``'s ``outcome`` label."""

GRAPHQL_REQUESTS = Counter(
    "twofa_graphql_requests",
    "GraphQL requests by root field and outcome.",
    ["operation", "outcome"],
)
GRAPHQL_LATENCY = Histogram(
    "twofa_graphql_request_duration_seconds",
    "Time from request to last response byte, by root field.",
    ["operation"],
    buckets=LATENCY_BUCKETS,
)
LOGINS = Counter(
    "twofa_logins",
    "Sessions issued (succeeded, by the last method) and wrong passwords of known operators.",
    ["outcome", "method"],
)
CODE_CHECKS = Counter(
    "twofa_code_checks",
    "TOTP and recovery codes accepted (a session or reauthentication granted) or rejected.",
    ["outcome"],
)
LOCKOUTS = Counter("twofa_lockouts", "Operators locked after too many failures.", ["factor"])
MAIL_FAILURES = Counter(
    "twofa_mail_delivery_failures",
    "Failed delivery attempts: retried later, or the message given up.",
    ["result"],
)
WEBHOOK_ATTEMPTS = Counter(
    "twofa_webhook_attempts",
    "Webhook delivery attempts by how they ended: succeeded, failed (retried later) or given_up.",
    ["outcome"],
)
HASH_RUNNING = Gauge(
    "twofa_password_hash_running", "argon2 computations running.", multiprocess_mode="livesum"
)
HASH_WAITING = Gauge(
    "twofa_password_hash_waiting",
    "Calls waiting for a free hashing slot.",
    multiprocess_mode="livesum",
)
HASH_REFUSED = Counter(
    "twofa_password_hash_refused", "Hashing calls turned away as too busy (SERVICE_UNAVAILABLE)."
)


def count_audit_event(kind: AuditEventKind, details: dict[str, Any]) -> None:
    """Move the login, code and lockout counters for one audit event."""
    method = details.get("method")
    if kind is AuditEventKind.LOGIN_SUCCEEDED:
        LOGINS.labels(outcome="succeeded", method=method if method in METHODS else "other").inc()
        if method in SECOND_FACTORS:
            CODE_CHECKS.labels(outcome="accepted").inc()
    elif kind is AuditEventKind.LOGIN_FAILED:
        LOGINS.labels(outcome="failed", method=AuthenticationMethod.PASSWORD.value).inc()
    elif kind is AuditEventKind.REAUTHENTICATED and method in SECOND_FACTORS:
        CODE_CHECKS.labels(outcome="accepted").inc()
    elif kind is AuditEventKind.CODE_REJECTED:
        CODE_CHECKS.labels(outcome="rejected").inc()
    elif kind is AuditEventKind.LOCKED_OUT:
        factor = details.get("factor")
        LOCKOUTS.labels(factor=factor if factor in LOCKOUT_FACTORS else "other").inc()


def count_mail_failure(given_up: bool) -> None:
    """Count one failed delivery attempt (the outbox sender's ``on_failure`` hook)."""
    MAIL_FAILURES.labels(result="given_up" if given_up else "retry").inc()


def count_webhook_outcome(status: WebhookDeliveryStatus) -> None:
    """Count one webhook attempt by the status it ended in (the sender's ``on_outcome``)."""
    WEBHOOK_ATTEMPTS.labels(outcome=status.value.lower()).inc()


def start_counting() -> None:
    """Have the audit log report to the counters, every known series at 0 (idempotent)."""
    start_every_series()
    audit.observe(count_audit_event)


def start_every_series() -> None:
    """Create each labelled counter's known label sets now, at 0 (idempotent).

    A labelled series is otherwise created by its first event, and Prometheus's ``rate``
    and ``increase`` see no rise in a series whose first sample already holds it: an alert
    on the first lockout or the first mail given up would never fire. (The GraphQL request
    counter and histogram are started by ``GraphQLRequestMetrics``; unlabelled metrics
    exist from the start anyway.) The fallback value ``other``, for a label value the code
    does not know, is not started: it marks a bug rather than an event to alert on.
    """
    for method in sorted(METHODS):
        LOGINS.labels(outcome="succeeded", method=method)
    LOGINS.labels(outcome="failed", method=AuthenticationMethod.PASSWORD.value)
    for outcome in CODE_OUTCOMES:
        CODE_CHECKS.labels(outcome=outcome)
    for factor in LOCKOUT_FACTORS:
        LOCKOUTS.labels(factor=factor)
    for result in MAIL_RESULTS:
        MAIL_FAILURES.labels(result=result)
    for status in WebhookDeliveryStatus:
        if status is not WebhookDeliveryStatus.PENDING:
            WEBHOOK_ATTEMPTS.labels(outcome=status.value.lower())


class HashQueueSampler:
    """Copies a hasher's queue state into the gauges, and its refusals into the counter."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self._hasher = hasher
        self._refused = hasher.queue_state().refused
        self._stopping = asyncio.Event()

    def sample(self) -> None:
        """Record the hasher's state now."""
        state = self._hasher.queue_state()
        HASH_RUNNING.set(state.running)
        HASH_WAITING.set(state.waiting)
        if state.refused > self._refused:
            HASH_REFUSED.inc(state.refused - self._refused)
        self._refused = state.refused

    async def run(self) -> None:
        """Sample every SAMPLE_SECONDS until ``stop``."""
        while not self._stopping.is_set():
            self.sample()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=SAMPLE_SECONDS)
        self.sample()

    def stop(self) -> None:
        """Ask ``run`` to return."""
        self._stopping.set()


class OutboxBacklog(Collector):
    """The outbox as counted from the database just before a scrape."""

    def __init__(self, pending: int, given_up: int, oldest_age: float) -> None:
        self._values = (pending, given_up, oldest_age)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        """Yield the three outbox gauges."""
        pending, given_up, oldest_age = self._values
        yield GaugeMetricFamily("twofa_outbox_pending", "Emails not yet delivered.", pending)
        yield GaugeMetricFamily(
            "twofa_outbox_given_up", "Emails given up and not yet swept away.", given_up
        )
        yield GaugeMetricFamily(
            "twofa_outbox_oldest_pending_age_seconds",
            "Age of the oldest email not yet delivered (0 when none).",
            oldest_age,
        )


class ComplianceTotals(Collector):
    """Every account's operators by two-factor compliance, totals only (no account label)."""

    def __init__(self, totals: dict[TwoFactorCompliance, int]) -> None:
        self._totals = totals

    def collect(self) -> Iterable[GaugeMetricFamily]:
        """Yield ``twofa_operators`` with one series per compliance state, zeros included."""
        family = GaugeMetricFamily(
            "twofa_operators",
            "Operators of all accounts by two-factor compliance (counted at most every "
            f"{COMPLIANCE_CACHE_SECONDS:g} s).",
            labels=["compliance"],
        )
        for compliance in TwoFactorCompliance:
            family.add_metric([compliance.value.lower()], self._totals.get(compliance, 0))
        yield family


COMPLIANCE_CACHE_SECONDS = 15.0
"""How long one count of operators by compliance answers scrapes, so scrapes cannot load
the database however often they come."""


class CachedComplianceTotals:
    """Counts operators by compliance at most once per ``COMPLIANCE_CACHE_SECONDS``."""

    def __init__(self, seconds: float = COMPLIANCE_CACHE_SECONDS) -> None:
        self._seconds = seconds
        self._lock = asyncio.Lock()
        self._totals: dict[TwoFactorCompliance, int] | None = None
        self._counted_at = 0.0

    async def get(self, now: datetime) -> dict[TwoFactorCompliance, int]:
        """Return the counts, counted afresh when the last count is older than the cache."""
        async with self._lock:
            if self._totals is None or time.monotonic() - self._counted_at >= self._seconds:
                self._totals = await compliance_totals(now)
                self._counted_at = time.monotonic()
            return self._totals


async def outbox_backlog(now: datetime) -> OutboxBacklog:
    """Count the outbox's undelivered and given-up messages."""
    waiting = OutboxMessage.filter(sent_at__isnull=True, given_up_at__isnull=True)
    pending = await waiting.count()
    oldest = await waiting.order_by("created_at").limit(1).values_list("created_at", flat=True)
    given_up = await OutboxMessage.filter(given_up_at__isnull=False).count()
    age = (now - oldest[0]).total_seconds() if oldest and isinstance(oldest[0], datetime) else 0.0
    return OutboxBacklog(pending, given_up, max(age, 0.0))


def is_loopback(host: str | None) -> bool:
    """Tell whether ``host`` is a loopback address."""
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def metrics_endpoint(
    token: str | None, sampler: HashQueueSampler, now: Callable[[], datetime]
) -> Callable[[Request], Any]:
    """Return the ``GET /metrics`` handler.

    With ``token``, a request must carry ``Authorization: Bearer <token>`` (compared in
    constant time), else 401. Without, only loopback clients are answered (403 otherwise).
    """
    expected = f"Bearer {token}".encode() if token else None
    compliance = CachedComplianceTotals()

    async def metrics(request: Request) -> Response:
        if expected is not None:
            given = request.headers.get("authorization", "").encode("latin-1", "replace")
            if not hmac.compare_digest(given, expected):
                return PlainTextResponse(
                    "Metrics need the bearer token set in METRICS_TOKEN.",
                    status_code=401,
                    headers={"www-authenticate": "Bearer"},
                )
        elif not is_loopback(request.client.host if request.client else None):
            return PlainTextResponse(
                "Metrics are served to loopback clients only unless METRICS_TOKEN is set.",
                status_code=403,
            )
        sampler.sample()
        backlog = CollectorRegistry()
        backlog.register(await outbox_backlog(now()))
        backlog.register(ComplianceTotals(await compliance.get(now())))
        body = generate_latest(_shared_registry()) + generate_latest(backlog)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return metrics


def _shared_registry() -> CollectorRegistry:
    """Return this process's registry, or one reading every worker's values (multiprocess)."""
    if not MULTIPROCESS:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


def process_ended() -> None:
    """Drop this process's live gauges from the shared directory (multiprocess mode only)."""
    if MULTIPROCESS:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
