"""The baselines twofa is compared with, served by uvicorn like twofa.

- ``strawberry_app``: a bare Strawberry endpoint answering the viewer's shape from memory,
  with the parser and validation caches on.
- ``starlette_app``: a plain Starlette endpoint returning the same JSON: the floor.
- ``lookup_app``: the bare Strawberry endpoint whose ``viewer`` first looks the bearer
  token's SHA-256 up in the ``sessions`` table (indexed, 10,000 rows) of the database in
  ``DATABASE_URL``, straight through the driver: the floor for any database-backed
  session check.
- ``page_app``: a bare Strawberry schema answering the operators page's shape (100 nodes
  with their policy) from memory.

The lookup uses the raw driver with the connection settings Tortoise gives twofa: one
aiosqlite connection for an SQLite file, or an asyncpg pool of 1 to 5 connections whose
statements asyncpg prepares once per connection. Nothing of Tortoise runs, so the baseline
is the honest floor: the one round trip any request of twofa must make, and no more.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite
import asyncpg
import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

from twofa.database import sqlite_path

POLICY = {
    "mode": "REQUIRED",
    "source": "ACCOUNT_DEFAULT",
    "accountDefault": "REQUIRED",
    "override": None,
    "state": "CONFIGURED",
    "setupRequired": False,
    "canEnroll": False,
    "codeRequiredAtLogin": True,
}
VIEWER = {
    "data": {
        "viewer": {
            "id": "T3BlcmF0b3I6MQ==",
            "email": "viewer@bench.example",
            "effectiveTwoFactorPolicy": POLICY,
        }
    }
}


@strawberry.type
class Policy:
    """The effective policy's shape."""

    mode: str
    source: str
    account_default: str
    override: str | None
    state: str
    setup_required: bool
    can_enroll: bool
    code_required_at_login: bool


@strawberry.type
class Viewer:
    """The viewer's shape."""

    id: strawberry.ID
    effective_two_factor_policy: Policy
    email: str


def constant_viewer() -> Viewer:
    """Return the viewer every baseline answers."""
    return Viewer(
        id=strawberry.ID("T3BlcmF0b3I6MQ=="),
        email="viewer@bench.example",
        effective_two_factor_policy=Policy(
            mode="REQUIRED",
            source="ACCOUNT_DEFAULT",
            account_default="REQUIRED",
            override=None,
            state="CONFIGURED",
            setup_required=False,
            can_enroll=False,
            code_required_at_login=True,
        ),
    )


@strawberry.type
class Query:
    """Answers ``viewer`` from memory."""

    @strawberry.field
    def viewer(self) -> Viewer:
        """Return the constant viewer."""
        return constant_viewer()


class Lookup:
    """One indexed read of a token hash in ``sessions``, over whichever driver is open.

    ``sessions.token_hash`` is unique and indexed. The driver is opened by ``database`` as
    the server starts.
    """

    sqlite: aiosqlite.Connection | None = None
    postgres: asyncpg.Pool | None = None

    async def found(self, token_hash: str) -> bool:
        """Return whether a session is stored under ``token_hash``."""
        if self.postgres is not None:
            row = await self.postgres.fetchrow(
                "SELECT id, operator_id FROM sessions WHERE token_hash = $1", token_hash
            )
            return row is not None
        assert self.sqlite is not None
        rows = await self.sqlite.execute_fetchall(
            "SELECT id, operator_id FROM sessions WHERE token_hash = ?", (token_hash,)
        )
        return bool(rows)


LOOKUP = Lookup()
"""The lookup of the running baseline server."""


@strawberry.type
class LookupQuery:
    """Answers ``viewer`` after one indexed lookup of the bearer token's hash."""

    @strawberry.field
    async def viewer(self, info: strawberry.Info) -> Viewer | None:
        """Return the constant viewer if the bearer token names a stored session."""
        header: str = info.context["request"].headers.get("authorization", "")
        token_hash = hashlib.sha256(header.removeprefix("Bearer ").encode()).hexdigest()
        return constant_viewer() if await LOOKUP.found(token_hash) else None


@strawberry.type
class PagePolicy:
    """The part of a listed operator's policy the page asks for."""

    mode: str
    state: str
    setup_required: bool


@strawberry.type
class PageNode:
    """A listed operator's shape."""

    id: strawberry.ID
    email: str
    role: str
    effective_two_factor_policy: PagePolicy


@strawberry.type
class PageEdge:
    """An edge of the page."""

    cursor: str
    node: PageNode


@strawberry.type
class PageInfo:
    """The page's position."""

    end_cursor: str | None
    has_next_page: bool


@strawberry.type
class PageConnection:
    """A page of operators."""

    page_info: PageInfo
    edges: list[PageEdge]


PAGE_EDGES = [
    PageEdge(
        cursor=f"T3BlcmF0b3I6{n}",
        node=PageNode(
            id=strawberry.ID(f"T3BlcmF0b3I6{n}"),
            email=f"op{n}@size10000.example",
            role="BASIC",
            effective_two_factor_policy=PagePolicy(
                mode="REQUIRED", state="NOT_CONFIGURED", setup_required=True
            ),
        ),
    )
    for n in range(100)
]
"""The page's 100 edges, built once."""


@strawberry.type
class PageAccount:
    """The account whose operators are listed."""

    @strawberry.field
    def operators(self, first: int | None = None, after: str | None = None) -> PageConnection:
        """Return the constant page of 100 operators."""
        return PageConnection(
            page_info=PageInfo(end_cursor=PAGE_EDGES[-1].cursor, has_next_page=True),
            edges=PAGE_EDGES,
        )


@strawberry.type
class PageViewer:
    """The viewer, an administrator."""

    @strawberry.field
    def account(self) -> PageAccount:
        """Return the viewer's account."""
        return PageAccount()


@strawberry.type
class PageQuery:
    """Answers the operators page from memory."""

    @strawberry.field
    def viewer(self) -> PageViewer:
        """Return the administrator."""
        return PageViewer()


def bare_schema(query: type) -> strawberry.Schema:
    """Return a Strawberry schema with the parser and validation caches on, nothing else."""
    return strawberry.Schema(
        query=query,
        extensions=[lambda: ParserCache(maxsize=256), lambda: ValidationCache(maxsize=256)],
    )


schema = bare_schema(Query)


async def healthz(request: Request) -> JSONResponse:
    """Readiness probe."""
    return JSONResponse({"status": "ok"})


async def viewer(request: Request) -> JSONResponse:
    """Return the viewer's JSON, as twofa would answer it."""
    return JSONResponse(VIEWER)


@asynccontextmanager
async def database(app: Starlette) -> AsyncIterator[None]:
    """Open the database in ``DATABASE_URL`` through its driver, sized as twofa's is."""
    url = os.environ["DATABASE_URL"]
    path = sqlite_path(url)
    if path is not None:
        async with aiosqlite.connect(path) as connection:
            LOOKUP.sqlite = connection
            yield
        return
    dsn = url.replace("postgres://", "postgresql://", 1)
    async with asyncpg.create_pool(dsn, min_size=1, max_size=5) as pool:
        LOOKUP.postgres = pool
        yield


strawberry_app = Starlette(
    routes=[Route("/graphql", GraphQL(schema, graphql_ide=None)), Route("/healthz", healthz)]
)
starlette_app = Starlette(
    routes=[Route("/graphql", viewer, methods=["POST"]), Route("/healthz", healthz)]
)
lookup_app = Starlette(
    routes=[
        Route("/graphql", GraphQL(bare_schema(LookupQuery), graphql_ide=None)),
        Route("/healthz", healthz),
    ],
    lifespan=database,
)
page_app = Starlette(
    routes=[
        Route("/graphql", GraphQL(bare_schema(PageQuery), graphql_ide=None)),
        Route("/healthz", healthz),
    ]
)
