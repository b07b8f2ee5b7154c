"""Counting GraphQL requests by operation and outcome, and timing them.

The ``operation`` label is the root field a request runs (``login``, ``viewer``…), not the
``operationName`` the client sends: clients choose operation names freely, so a label taken
from them would let anyone create any number of time series. Root fields are the schema's
own, a fixed set; anything else falls into one of three fixed values:

- ``introspection``: only ``__typename``, ``__schema`` or ``__type`` were selected;
- ``multiple``: the operation selects more than one root field;
- ``other``: unparsable, unknown field, no operation found, fragments at the root, or not
  a GraphQL request at all.

The ``outcome`` label is one of ``OUTCOMES``, read from the status and the response body.
"""

from __future__ import annotations

import json
import time
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schema.limits import MAX_DOCUMENT_LENGTH, MAX_TOKENS
from schema.schema import schema
from twofa.web import BodyTooLarge

OUTCOMES = ("ok", "user_error", "request_error", "server_error")
"""``ok``: no error at all. ``user_error``: a payload's ``userErrors`` is not empty (wrong
password, invalid input — answered normally). ``request_error``: refused as a request (status
4xx, or GraphQL errors such as invalid document, UNAUTHENTICATED, FORBIDDEN, limits).
``server_error``: status 5xx, a masked internal error or SERVICE_UNAVAILABLE."""
SERVER_ERROR_CODES = frozenset({"SERVICE_UNAVAILABLE", "INTERNAL_SERVER_ERROR"})
"""``extensions.code`` values that count as the server's fault."""
MASKED_MESSAGE = "Unexpected error."
"""The message Strawberry's MaskErrors puts in place of an internal error."""
INTROSPECTION_FIELDS = frozenset({"__typename", "__schema", "__type"})
MAX_BODY_INSPECTED = 1024 * 1024
"""Responses larger than this are classified by their status alone."""

_graphql_schema = schema._schema  # the graphql-core schema Strawberry built
ROOT_FIELDS = frozenset(
    name
    for root in (_graphql_schema.query_type, _graphql_schema.mutation_type)
    if root is not None
    for name in root.fields
)
"""Every name the ``operation`` label can take besides the three fixed ones."""


@lru_cache(maxsize=512)
def operation_label(query: str, operation_name: str | None) -> str:
    """Return the ``operation`` label of a document (cached: clients repeat their queries)."""
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError:
        return "other"
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [op for op in operations if op.name and op.name.value == operation_name]
    if len(operations) != 1:
        return "other"
    selections = operations[0].selection_set.selections
    if not all(isinstance(selection, FieldNode) for selection in selections):
        return "other"  # fragments at the root: rare enough not to resolve
    fields = {selection.name.value for selection in selections if isinstance(selection, FieldNode)}
    named = fields - INTROSPECTION_FIELDS
    if not named:
        return "introspection" if fields else "other"
    if len(named) > 1:
        return "multiple"
    [field] = named
    return field if field in ROOT_FIELDS else "other"


def request_label(method: str, query_string: bytes, body: bytes) -> str:
    """Return the ``operation`` label of a GraphQL HTTP request (GET or JSON POST)."""
    if method == "GET":
        params = parse_qs(query_string.decode("latin-1"))
        query, name = params.get("query", [None])[0], params.get("operationName", [None])[0]
    else:
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            return "other"
        if not isinstance(payload, dict):
            return "other"
        query, name = payload.get("query"), payload.get("operationName")
    if not isinstance(query, str) or not isinstance(name, str | None):
        return "other"
    if len(query) > MAX_DOCUMENT_LENGTH:
        return "other"  # refused unparsed, and kept out of the label cache
    return operation_label(query, name)


def outcome_of(status: int, body: bytes) -> str:
    """Return the outcome of a GraphQL response from its status and JSON body."""
    if status >= 500:
        return "server_error"
    if status >= 400 or len(body) > MAX_BODY_INSPECTED:
        return "request_error" if status >= 400 else "ok"
    if b'"errors"' not in body and b'"userErrors"' not in body:
        return "ok"  # nothing to look for: spare the parse (most queries)
    try:
        answer = json.loads(body)
    except (ValueError, RecursionError):
        return "server_error"  # a GraphQL endpoint that did not answer JSON
    errors = answer.get("errors") if isinstance(answer, dict) else None
    if errors:
        for error in errors:
            code = (error.get("extensions") or {}).get("code")
            if code in SERVER_ERROR_CODES or error.get("message") == MASKED_MESSAGE:
                return "server_error"
        return "request_error"
    user_errors = _user_errors(answer.get("data"))
    if any(error.get("code") in SERVER_ERROR_CODES for error in user_errors):
        return "server_error"  # e.g. too busy to check a password, when the code was asked for
    return "user_error" if user_errors else "ok"


def _user_errors(data: Any) -> list[dict[str, Any]]:
    """Return the ``userErrors`` entries of every payload in ``data``."""
    if not isinstance(data, dict):
        return []
    return [
        error
        for value in data.values()
        if isinstance(value, dict) and isinstance(value.get("userErrors"), list)
        for error in value["userErrors"]
        if isinstance(error, dict)
    ]


class GraphQLMetrics:
    """ASGI middleware: counts and times the requests to ``path`` with the given metrics."""

    def __init__(self, app: ASGIApp, *, path: str, requests: Any, latency: Any) -> None:
        self.app = app
        self.path = path
        self.requests = requests
        self.latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; count it once the response has been sent."""
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_body: list[bytes] = []
        response_body: list[bytes] = []
        status = 500
        page = False  # GraphiQL's HTML page: no GraphQL request, not counted
        answered: float | None = None  # the last byte: work after the response is not timed

        async def reading() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request_body.append(message.get("body", b""))
            return message

        async def sending(message: Message) -> None:
            nonlocal status, page, answered
            if message["type"] == "http.response.start":
                status = message["status"]
                page = any(
                    name.lower() == b"content-type" and value.startswith(b"text/html")
                    for name, value in message.get("headers", ())
                )
            elif message["type"] == "http.response.body":
                response_body.append(message.get("body", b""))
                if not message.get("more_body"):
                    answered = time.perf_counter()
            await send(message)

        try:
            await self.app(scope, reading, sending)
        except BodyTooLarge:
            status = 413  # answered by the guard outside, once this has given up
            raise
        finally:
            if not page:
                label = request_label(
                    scope["method"], scope.get("query_string", b""), b"".join(request_body)
                )
                outcome = outcome_of(status, b"".join(response_body))
                self.requests.labels(operation=label, outcome=outcome).inc()
                ended = answered or time.perf_counter()
                self.latency.labels(operation=label).observe(ended - started)
