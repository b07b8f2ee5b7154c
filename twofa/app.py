"""The ASGI application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from tortoise.connection import get_connection
from tortoise.contrib.starlette import RegisterTortoise

from mail.outbox import Outbox
from mail.sender import OutboxSender
from mail.transport import transport_for
from services.key_budget import KeyBudget
from services.machinery.clock import Clock, SystemClock
from services.machinery.dependencies import Dependencies, RelyingParty
from services.machinery.hashing import PasswordHasher
from services.machinery.retention import Sweeper
from services.policy.reminders import ReminderJob
from services.webhooks.addresses import Resolver, WebhookNetwork
from services.webhooks.sender import WebhookSender
from twofa import metrics
from twofa.database import tortoise_config
from twofa.graphiql.page import graphiql_asset
from twofa.graphql_metrics import GraphQLRequestMetrics
from twofa.graphql_view import GraphQLView
from twofa.heap import settle_long_lived_objects
from twofa.keys import secret_box
from twofa.reports import COMPLIANCE_REPORT_PATH, compliance_report_endpoint
from twofa.settings import Settings
from twofa.sql_log import redact_statement_values
from twofa.web import CONSOLE_DIR, CONSOLE_PATHS, HttpGuard, console_page


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    hasher: PasswordHasher | None = None,
    mail_poll_seconds: float = 1.0,
    webhook_resolver: Resolver | None = None,
) -> Starlette:
    """Build the app: ``/graphql``, ``/healthz``, ``/metrics``, the report and the console.

    The lifespan opens the database and runs the outbox sender in the background.
    ``clock`` and ``hasher`` are injected so that tests can move time and use cheap hashes,
    ``webhook_resolver`` so that they can point host names at addresses of their choosing.
    """
    settings = settings or Settings.from_env()
    clock = clock or SystemClock()
    redact_statement_values()
    metrics.start_counting()
    box = secret_box(settings)
    outbox = Outbox(box, settings.public_url)
    hasher = hasher or PasswordHasher(settings.password_hash)
    deps = Dependencies(
        clock=clock,
        hasher=hasher,
        box=box,
        outbox=outbox,
        totp_issuer=settings.totp_issuer,
        reauthentication_window=timedelta(seconds=settings.reauthentication_window_seconds),
        login_rates=settings.login_rates,
        refusal_delay=timedelta(milliseconds=settings.login_refusal_delay_ms),
        webhook_network=_webhook_network(settings, webhook_resolver),
        relying_party=RelyingParty.of(settings.public_url, settings.totp_issuer),
    )
    sender = OutboxSender(
        outbox,
        transport_for(settings.smtp()),
        clock.now,
        poll_seconds=mail_poll_seconds,
        on_failure=metrics.count_mail_failure,
    )
    webhooks = WebhookSender(
        deps,
        wall_clock=SystemClock().now,
        poll_seconds=mail_poll_seconds,
        on_outcome=metrics.count_webhook_outcome,
    )
    sampler = metrics.HashQueueSampler(hasher)
    key_budget = KeyBudget(settings.api_key_rate_limit, clock.now)
    graphql_metrics = GraphQLRequestMetrics(metrics.GRAPHQL_REQUESTS, metrics.GRAPHQL_LATENCY)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with RegisterTortoise(app, config=tortoise_config(settings.database_url)):
            sending = asyncio.create_task(sender.run(), name="outbox-sender")
            app.state.outbox_task = sending
            delivering = asyncio.create_task(webhooks.run(), name="webhook-sender")
            app.state.webhook_task = delivering
            # Expired and spent rows are deleted in the background too.
            sweeper = app.state.sweeper = Sweeper(clock.now)
            sweeping = asyncio.create_task(sweeper.run(), name="retention-sweeper")
            # Reminders before setup deadlines, and the events when they pass, likewise.
            reminders = app.state.reminders = ReminderJob(deps)
            reminding = asyncio.create_task(reminders.run(), name="reminder-job")
            sampling = asyncio.create_task(sampler.run(), name="hash-queue-sampler")
            settle_long_lived_objects()
            try:
                yield
            finally:
                sampler.stop()
                sweeper.stop()
                reminders.stop()
                sender.stop()
                webhooks.stop()
                await sampling
                await delivering
                await sweeping
                await reminding
                await sending
                metrics.process_ended()

    app = Starlette(
        routes=[
            Route(
                "/graphql",
                GraphQLView(deps, key_budget, settings.persisted_documents),
                methods=["GET", "POST"],
            ),
            Route("/healthz", healthz, methods=["GET"]),
            Route(
                COMPLIANCE_REPORT_PATH,
                compliance_report_endpoint(deps, key_budget),
                methods=["GET"],
            ),
            Route(
                "/metrics",
                metrics.metrics_endpoint(settings.metrics_token, sampler, clock.now),
                methods=["GET"],
            ),
            *(Route(path, console_page, methods=["GET"]) for path in CONSOLE_PATHS),
            Mount("/console", StaticFiles(directory=CONSOLE_DIR), name="console"),
            Route("/graphql/assets/{name}", graphiql_asset, methods=["GET"]),
        ],
        middleware=[
            Middleware(HttpGuard, observers=[graphql_metrics.observe]),
            *cors_middleware(settings),
        ],
        lifespan=lifespan,
    )
    app.state.dependencies = deps
    app.state.outbox_sender = sender
    app.state.webhook_sender = webhooks
    return app


def cors_middleware(settings: Settings) -> list[Middleware]:
    """Return the CORS layer for the configured origins; none when no origin is allowed.

    With no origin allowed there is nothing to answer a browser's cross-origin request with,
    and without the layer a preflight gets 405 rather than 400: either way the browser
    refuses the read.
    """
    if not settings.cors_origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", *settings.cors_allow_headers],
            # WWW-Authenticate tells a client its token was refused.
            expose_headers=["WWW-Authenticate", "X-Request-ID"],
            max_age=600,
        )
    ]


async def healthz(request: Request) -> JSONResponse:
    """Answer 200 when the database answers, 503 when it does not."""
    try:
        await get_connection("default").execute_query("SELECT 1")
    except Exception:  # any failure to reach the database means unhealthy
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


def _webhook_network(settings: Settings, resolver: Resolver | None) -> WebhookNetwork:
    """Where webhooks may go, resolving host names with ``resolver`` if one is given."""
    network = WebhookNetwork.configured(allow_private=settings.webhook_allow_private_networks)
    if resolver is None:
        return network
    return WebhookNetwork(allow_private=network.allow_private, resolve=resolver)
