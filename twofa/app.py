"""The ASGI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tortoise.connection import get_connection
from tortoise.contrib.starlette import RegisterTortoise

from schema.context import Dependencies
from services.clock import Clock, SystemClock
from services.passwords import PasswordHasher
from twofa.database import tortoise_config
from twofa.graphql_view import GraphQLView
from twofa.keys import secret_box
from twofa.settings import Settings


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    hasher: PasswordHasher | None = None,
) -> Starlette:
    """Build the app: ``/graphql`` and ``/healthz``, with the database opened in the lifespan.

    ``clock`` and ``hasher`` are injected so that tests can move time and use cheap hashes.
    """
    settings = settings or Settings.from_env()
    deps = Dependencies(
        settings=settings,
        clock=clock or SystemClock(),
        hasher=hasher or PasswordHasher(),
        box=secret_box(settings),
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with RegisterTortoise(app, config=tortoise_config(settings.database_url)):
            yield

    return Starlette(
        routes=[
            Route("/graphql", GraphQLView(deps), methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
                max_age=600,
            )
        ],
        lifespan=lifespan,
    )


async def healthz(request: Request) -> JSONResponse:
    """Answer 200 when the database answers, 503 when it does not."""
    try:
        await get_connection("default").execute_query("SELECT 1")
    except Exception:  # any failure to reach the database means unhealthy
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})
