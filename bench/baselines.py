"""The two baselines the viewer query is compared with, served by uvicorn like twofa.

- ``strawberry_app``: a bare Strawberry endpoint answering the same shape from memory,
  with the parser and validation caches on.
- ``starlette_app``: a plain Starlette endpoint returning the same JSON: the floor.
"""

from __future__ import annotations

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

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
VIEWER = {"data": {"viewer": {"id": "T3BlcmF0b3I6MQ==", "effectiveTwoFactorPolicy": POLICY}}}


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


@strawberry.type
class Query:
    """Answers ``viewer`` from memory."""

    @strawberry.field
    def viewer(self) -> Viewer:
        """Return the constant viewer."""
        return Viewer(
            id=strawberry.ID("T3BlcmF0b3I6MQ=="),
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


schema = strawberry.Schema(
    query=Query,
    extensions=[lambda: ParserCache(maxsize=256), lambda: ValidationCache(maxsize=256)],
)


async def healthz(request: Request) -> JSONResponse:
    """Readiness probe."""
    return JSONResponse({"status": "ok"})


async def viewer(request: Request) -> JSONResponse:
    """Return the viewer's JSON, as twofa would answer it."""
    return JSONResponse(VIEWER)


strawberry_app = Starlette(
    routes=[Route("/graphql", GraphQL(schema, graphql_ide=None)), Route("/healthz", healthz)]
)
starlette_app = Starlette(
    routes=[Route("/graphql", viewer, methods=["POST"]), Route("/healthz", healthz)]
)
