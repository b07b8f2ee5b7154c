"""The ``/graphql`` endpoint: Strawberry's ASGI view with twofa's request context."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL

from schema.context import Context, Dependencies
from schema.schema import schema
from services.sessions import authenticate

BEARER_PREFIX = "bearer "


class GraphQLView(GraphQL[Context, None]):
    """Serves the schema; GraphiQL for browsers; the bearer token names the viewer."""

    def __init__(self, deps: Dependencies) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)
        self.deps = deps

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        """Build the request context, authenticating the ``Authorization: Bearer`` token."""
        session = viewer = None
        token = bearer_token(request.headers.get("authorization"))
        if token is not None:
            found = await authenticate(token, self.deps.clock.now())
            if found is not None:
                session, viewer = found
        return Context(
            request=request, response=response, deps=self.deps, session=session, viewer=viewer
        )


def bearer_token(header: str | None) -> str | None:
    """Return the token of an ``Authorization: Bearer <token>`` header, or None."""
    if header is None or not header.lower().startswith(BEARER_PREFIX):
        return None
    token = header[len(BEARER_PREFIX) :].strip()
    return token or None
