"""The ``/graphql`` endpoint: Strawberry's ASGI view with twofa's request context.

Besides building the context (the bearer token names the viewer), it speaks the
GraphQL-over-HTTP media types: a client that accepts ``application/graphql-response+json``
gets it, and then a request that could not run at all (unparsable, invalid, no operation to
run, bad variables) is answered 400 without a ``data`` entry. Plain ``application/json``
clients keep 200.

A malformed body is a 400, never a 500: Strawberry's ``parse_json`` turns only
``JSONDecodeError`` into a 400, so invalid UTF-8 (``UnicodeDecodeError``) and deeply nested
JSON (``RecursionError``) escaped as exceptions, and a body that is a JSON number, string or
null failed with ``AttributeError`` in ``parse_http_body`` (which expects an object, or a
list for its batching check). ``decode_json``, the view's documented hook for decoding,
refuses all of these with an ``HTTPException(400)``.

A mutation sent with GET is answered 405 with ``Allow: POST`` and a GraphQL error coded
``METHOD_NOT_ALLOWED`` (Strawberry's own answer is a plain-text 400): ``execute_single``
recognises Strawberry's refusal by the ``InvalidOperationTypeError`` it raises its
``HTTPException`` from (0.341.2, ``http/async_base_view.py``).

Every other request refused before it becomes a GraphQL operation (a malformed body, no
query, an ``operationName`` that is no string, a batch, a form, the database down while the
token is checked) keeps its status and is answered with a GraphQL error in the negotiated
media type, coded ``BAD_REQUEST`` (``SERVICE_UNAVAILABLE`` for a 503, ``METHOD_NOT_ALLOWED``
for Strawberry's 405 to a HEAD), never Strawberry's plain text: ``__call__`` catches the
``HTTPException`` where Strawberry's ``GraphQL.__call__`` would (0.341.2, ``asgi/__init__.py``).

A request may name a persisted document by ``documentId`` instead of sending ``query``
(``twofa.persisted_documents``); ``parse_http_body`` puts the document's text in its
place, and ``execute_single`` refuses a document sent as text where only persisted ones may
run.

A bearer token that names no live session (unknown, expired, revoked, or no longer
satisfying the operator's policy) makes the request anonymous, as if no token were sent:
``viewer`` is null and what needs a session answers ``UNAUTHENTICATED``. So that a client
can tell its session ended from any response, it also carries
``WWW-Authenticate: Bearer error="invalid_token"`` (RFC 6750), with the status unchanged.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import replace
from typing import cast

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from resolvers.schema import schema
from schema.context import Context
from schema.errors import UNAVAILABLE_MESSAGE
from services.errors import DATABASE_UNAVAILABLE
from services.key_budget import KeyBudget
from services.machinery.client import bind_client
from services.machinery.dependencies import Dependencies
from services.operators import is_administrator
from twofa.graphiql.page import graphiql_page
from twofa.graphql_metrics import operation_label, outcome_of, record_operation, record_page
from twofa.persisted_documents import PersistedDocuments, RequestRefused

logger = logging.getLogger("twofa.graphql")

BEARER_PREFIX = "bearer "
JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects a request's JSON may have."""
OPERATION_NAME_REFUSED = (
    "The GraphQL operation's `operationName` must be a string or null, if provided."
)
REFUSAL_CODES = {405: "METHOD_NOT_ALLOWED", 503: "SERVICE_UNAVAILABLE"}
"""``extensions.code`` of a request refused with these statuses; any other is ``BAD_REQUEST``."""
BOTH_QUERY_AND_DOCUMENT_ID = "Send either `query` or `documentId`, not both."


class CodedRefusal(HTTPException):
    """A request refused before it runs, with its own ``extensions.code`` (and headers)."""

    def __init__(
        self, status_code: int, reason: str, code: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code, reason)
        self.code = code
        self.headers = headers or {}


class GraphQLView(GraphQL[Context, None]):
    """Serves the schema; GraphiQL for browsers; the bearer token names the viewer.

    It notes on each request which operation ran and how it ended, for the metrics
    (``twofa.graphql_metrics``).
    """

    def __init__(
        self,
        deps: Dependencies,
        key_budget: KeyBudget,
        documents: PersistedDocuments | None = None,
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)
        self.deps = deps
        self.key_budget = key_budget
        self.documents = documents or PersistedDocuments()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request; a refused one gets a coded GraphQL error, not plain text.

        As Strawberry's ``GraphQL.__call__``, for HTTP only: the view's route serves no
        websockets.
        """
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as error:
            response = await self.refusal(request, error)
        await response(scope, receive, send)

    async def refusal(self, request: Request, error: HTTPException) -> Response:
        """Answer a request refused before it ran: its status, one coded error, no ``data``."""
        sub_response = await self.get_sub_response(request)
        sub_response.status_code = error.status_code
        sub_response.media_type = negotiate(request.headers.get("accept"))
        if isinstance(error, CodedRefusal):
            code = error.code
            sub_response.headers.update(error.headers)
        else:
            code = REFUSAL_CODES.get(error.status_code, "BAD_REQUEST")
        body: GraphQLHTTPResponse = {
            "errors": [{"message": error.reason, "extensions": {"code": code}}]
        }
        return self.create_response(body, sub_response)

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        """Build the request context, authenticating the ``Authorization: Bearer`` token."""
        response.media_type = negotiate(request.headers.get("accept"))
        token = bearer_token(request.headers.get("authorization"))
        context = Context(request=request, response=response, deps=self.deps, token=token)
        # Who is calling, for the audit log and for what authentication records (an API
        # key's last address).
        bind_client(lambda: context.client)
        try:
            await context.authenticate()
            if context.api_key is not None:
                await self._spend_key_budget(context.api_key.id)
        except DATABASE_UNAVAILABLE as error:
            logger.error("Database unavailable while authenticating: %r", error)
            raise HTTPException(503, UNAVAILABLE_MESSAGE) from error
        return context

    async def _spend_key_budget(self, key_id: int) -> None:
        """Count the request against its API key's budget; past it, refuse it (429)."""
        retry_at = await self.key_budget.admit(key_id)
        if retry_at is None:
            return
        seconds = max(1, math.ceil((retry_at - self.deps.now()).total_seconds()))
        raise CodedRefusal(
            429,
            f"This API key made too many requests: retry in {seconds} s.",
            "RATE_LIMITED",
            {"retry-after": str(seconds)},
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        """Serve twofa's own GraphiQL page (every asset from this server) to browsers."""
        record_page(request.state)
        return graphiql_page()

    def decode_json(self, data: str | bytes) -> object:
        """Decode a request's JSON (body, or GET variables), refusing malformed input with 400.

        Used for the whole body and for the ``variables`` and ``extensions`` of a GET; each
        must be an object (a list is let through for the view's own batching refusal).
        """
        return decode_request_json(data)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """Read the request's GraphQL parameters, refusing an ``operationName`` that is no string.

        A ``documentId`` (in the JSON body or the query string) is replaced by the persisted
        document it names.

        Strawberry checks the types of ``query``, ``variables`` and ``extensions`` only; a
        number or a list as ``operationName`` is as malformed (GraphQL over HTTP: 400).
        """
        data = await super().parse_http_body(request)
        if not isinstance(data, GraphQLRequestData):
            return data
        if not isinstance(data.operation_name, str | None):
            raise HTTPException(400, OPERATION_NAME_REFUSED)
        document_id = await requested_document_id(request)
        if document_id is None:
            return data
        if data.query is not None:
            raise HTTPException(400, BOTH_QUERY_AND_DOCUMENT_ID)
        try:
            return replace(data, query=self.documents.document(document_id))
        except RequestRefused as refused:
            raise CodedRefusal(400, refused.message, refused.code) from refused

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Run one operation, noting which and how it ended for the metrics.

        A mutation sent with GET gets 405 and ``Allow: POST``. Where only persisted documents
        may run, one sent as text is refused (an administrator's session excepted).
        """
        viewer = context.viewer
        try:
            self.documents.check_allowed(
                request_data.query, administrator=viewer is not None and is_administrator(viewer)
            )
        except RequestRefused as refused:
            raise CodedRefusal(400, refused.message, refused.code) from refused
        try:
            result = await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as error:
            result = mutation_over_get(error, request_adapter, sub_response)
        label = operation_label(context.document, request_data.operation_name)
        record_operation(request.state, label, outcome_of(result))
        return result

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        """Answer in the negotiated media type, with ``Cache-Control: no-store``.

        Built here rather than by Strawberry's ``create_response`` and then changed: setting
        headers on a built response rewrites its header list each time.
        """
        media_type = sub_response.media_type or JSON
        if (
            sub_response.status_code is None
            and media_type == GRAPHQL_RESPONSE
            and isinstance(response_data, dict)
            and is_request_error(response_data)
        ):
            response_data = cast(
                GraphQLHTTPResponse, {key: v for key, v in response_data.items() if key != "data"}
            )
            sub_response.status_code = 400
        response = Response(
            self.encode_json(response_data),
            status_code=sub_response.status_code or 200,
            headers={"content-type": f"{media_type}; charset=utf-8", "cache-control": "no-store"},
        )
        response.raw_headers.extend(sub_response.headers.raw)  # WWW-Authenticate, Allow
        response.background = sub_response.background
        return response


async def requested_document_id(request: AsyncHTTPRequestAdapter) -> object | None:
    """Return the ``documentId`` a request carries, if any.

    A POST body is decoded again only when it mentions one, which requests that send their
    ``query`` never do.
    """
    if request.method == "GET":
        return request.query_params.get("documentId")
    body = await request.get_body()
    if b"documentId" not in body:
        return None
    decoded = decode_request_json(body)
    return decoded.get("documentId") if isinstance(decoded, dict) else None


def mutation_over_get(
    error: HTTPException, request_adapter: AsyncHTTPRequestAdapter, sub_response: Response
) -> ExecutionResult:
    """Answer Strawberry's refusal of a mutation sent with GET: 405, ``Allow: POST``, a code.

    Any other ``HTTPException`` is raised again.
    """
    refusal = error.__cause__
    if not (
        isinstance(refusal, InvalidOperationTypeError)
        and refusal.operation_type is OperationType.MUTATION
        and request_adapter.method == "GET"
    ):
        raise error
    sub_response.status_code = 405
    sub_response.headers["allow"] = "POST"
    message = "Mutations are not allowed with GET: send them with POST."
    return ExecutionResult(
        data=None, errors=[GraphQLError(message, extensions={"code": "METHOD_NOT_ALLOWED"})]
    )


def decode_request_json(data: str | bytes) -> dict[str, object] | list[object]:
    """Decode strict UTF-8 JSON that is an object or a list, nested at most MAX_JSON_DEPTH."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as error:
        raise HTTPException(400, "Request body is not valid UTF-8.") from error
    try:
        value = json.loads(text)
    except RecursionError as error:
        raise HTTPException(400, "Request JSON is nested too deeply.") from error
    except json.JSONDecodeError as error:
        raise HTTPException(400, "Unable to parse request body as JSON") from error
    if not isinstance(value, dict | list):
        raise HTTPException(400, "Request JSON must be an object.")
    # Nesting needs a bracket per level: with few brackets in all, the walk is not needed.
    if text.count("{") + text.count("[") > MAX_JSON_DEPTH and json_depth(value) > MAX_JSON_DEPTH:
        raise HTTPException(400, "Request JSON is nested too deeply.")
    return cast(dict[str, object] | list[object], value)


def json_depth(value: object) -> int:
    """Return how deeply arrays and objects nest in a decoded JSON value (without recursion)."""
    deepest = 0
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children: list[object] | None = None
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        if children is not None:
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                return deepest
            pending.extend((child, depth + 1) for child in children)
    return deepest


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
