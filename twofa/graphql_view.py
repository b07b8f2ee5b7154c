"""The ``/graphql`` endpoint: Strawberry's ASGI view with twofa's request context.

Besides building the context (the bearer token names the viewer), it speaks the
GraphQL-over-HTTP media types: a client that accepts ``application/graphql-response+json``
gets it, and then a request that could not run at all (unparsable, invalid, bad variables)
is answered 400 without a ``data`` entry. Plain ``application/json`` clients keep 200.
"""

from __future__ import annotations

import logging
from typing import cast

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse

from schema.context import Context
from schema.errors import UNAVAILABLE_MESSAGE
from schema.schema import schema
from services.client import bind_client
from services.dependencies import Dependencies
from services.errors import DATABASE_UNAVAILABLE
from services.sessions import authenticate

logger = logging.getLogger("twofa.graphql")

BEARER_PREFIX = "bearer "
JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


class GraphQLView(GraphQL[Context, None]):
    """Serves the schema; GraphiQL for browsers; the bearer token names the viewer."""

    def __init__(self, deps: Dependencies) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)
        self.deps = deps

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        """Build the request context, authenticating the ``Authorization: Bearer`` token."""
        response.media_type = negotiate(request.headers.get("accept"))
        session = viewer = None
        token = bearer_token(request.headers.get("authorization"))
        if token is not None:
            try:
                found = await authenticate(token, self.deps.clock.now())
            except DATABASE_UNAVAILABLE as error:
                logger.error("Database unavailable while authenticating: %r", error)
                raise HTTPException(503, UNAVAILABLE_MESSAGE) from error
            if found is not None:
                session, viewer = found
        context = Context(
            request=request, response=response, deps=self.deps, session=session, viewer=viewer
        )
        bind_client(context.client)  # the audit log records who made the request
        if viewer is not None:
            context.loaders.account.prime(viewer.account_id, viewer.account)
        return context

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        """Answer in the negotiated media type, with ``Cache-Control: no-store``."""
        media_type = sub_response.media_type or JSON
        if (
            media_type == GRAPHQL_RESPONSE
            and isinstance(response_data, dict)
            and is_request_error(response_data)
        ):
            response_data = cast(
                GraphQLHTTPResponse, {key: v for key, v in response_data.items() if key != "data"}
            )
            sub_response.status_code = 400
        response = super().create_response(response_data, sub_response)
        response.headers["content-type"] = f"{media_type}; charset=utf-8"
        response.headers["cache-control"] = "no-store"
        return response


def negotiate(accept: str | None) -> str:
    """Pick the response media type from an Accept header (JSON unless the newer one wins)."""
    if not accept:
        return JSON
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        weights[media.strip().lower()] = quality
    if weights.get(GRAPHQL_RESPONSE, 0.0) > 0 and weights[GRAPHQL_RESPONSE] >= weights.get(
        JSON, 0.0
    ):
        return GRAPHQL_RESPONSE
    return JSON


def is_request_error(result: GraphQLHTTPResponse) -> bool:
    """Tell whether a result failed before execution: no data and no error with a path."""
    errors = result.get("errors") or []
    located = any(isinstance(error, dict) and error.get("path") for error in errors)
    return result.get("data") is None and bool(errors) and not located


def bearer_token(header: str | None) -> str | None:
    """Return the token of an ``Authorization: Bearer <token>`` header, or None."""
    if header is None or not header.lower().startswith(BEARER_PREFIX):
        return None
    token = header[len(BEARER_PREFIX) :].strip()
    return token or None
