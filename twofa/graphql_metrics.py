"""Counting GraphQL requests by operation and outcome, and timing them.

The ``operation`` label is the root field a request runs (``login``, ``viewer``…), not the
``operationName`` the client sends: clients choose operation names freely, so a label taken
from them would let anyone create any number of time series. Root fields are the schema's
own, a fixed set; anything else falls into one of three fixed values:

- ``introspection``: only ``__typename``, ``__schema`` or ``__type`` were selected;
- ``multiple``: the operation selects more than one root field;
- ``other``: unparsable, unknown field, no operation found, fragments at the root, or not
  a GraphQL request at all.

The ``outcome`` label is one of ``OUTCOMES``, read from the operation's result and the status.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse
from starlette.types import Scope
from strawberry.types import ExecutionResult

from resolvers.schema import schema
from schema.limits import MAX_DOCUMENT_LENGTH, MAX_TOKENS

OUTCOMES = ("ok", "user_error", "request_error", "server_error")
"""``ok``: no error at all. ``user_error``: a payload's ``userErrors`` is not empty (wrong
password, invalid input — answered normally). ``request_error``: refused as a request (status
4xx, or GraphQL errors such as invalid document, UNAUTHENTICATED, FORBIDDEN, limits).
``server_error``: status 5xx, a masked internal error or SERVICE_UNAVAILABLE."""
SERVER_ERROR_CODES = frozenset({"SERVICE_UNAVAILABLE", "INTERNAL_SERVER_ERROR"})
"""``extensions.code`` values that count as the server's fault (a masked error has the second)."""
INTROSPECTION_FIELDS = frozenset({"__typename", "__schema", "__type"})

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


def request_label(query: object, operation_name: object) -> str:
    """Return the ``operation`` label of a request's document and operation name."""
    if not isinstance(query, str) or not isinstance(operation_name, str | None):
        return "other"
    if len(query) > MAX_DOCUMENT_LENGTH:
        return "other"  # refused unparsed, and kept out of the label cache
    return operation_label(query, operation_name)


def outcome_of(result: ExecutionResult) -> str:
    """Return the outcome of an executed (or refused) operation, from its errors and data.

    The errors are those the client gets: an internal error is masked by then.
    """
    if result.errors:
        for error in result.errors:
            code = (error.extensions or {}).get("code")
            if code in SERVER_ERROR_CODES:
                return "server_error"
        return "request_error"
    user_errors = _user_errors(result.data)
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


def record_operation(state: Any, label: str, outcome: str) -> None:
    """Note on a request's ``state`` which operation it ran and how that ended."""
    state.graphql_operation = (label, outcome)


def record_page(state: Any) -> None:
    """Note on a request's ``state`` that it was answered with GraphiQL's page."""
    state.graphiql_page = True


class GraphQLRequestMetrics:
    """Counts and times the requests to ``path`` (the GraphQL endpoint) with the given metrics.

    The HTTP guard reports every finished request to ``observe``, with its status and how
    long it took until its last byte. The label and outcome come from the operation the
    endpoint ran (``record_operation``): its document is parsed already and its result is at
    hand, so nothing is decoded twice. A request that ends before an operation runs (a body
    that is not JSON or over the size limit, the database down while the token is checked,
    a client gone mid-request) is labelled ``other``, its outcome read from the status.
    GraphiQL's page is no GraphQL request and is not counted.
    """

    def __init__(self, requests: Any, latency: Any, *, path: str = "/graphql") -> None:
        self.requests = requests
        self.latency = latency
        self.path = path
        self._counters: dict[tuple[str, str], Any] = {}
        self._timers: dict[str, Any] = {}

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        """Count one finished request (``HttpGuard`` calls this for every request)."""
        if scope["path"] != self.path or scope["method"] == "OPTIONS":
            return
        state = scope.get("state", {})
        if state.get("graphiql_page"):
            return
        label, outcome = state.get("graphql_operation", ("other", None))
        if status >= 500:
            outcome = "server_error"
        elif outcome is None:
            outcome = "request_error" if status >= 400 else "ok"
        self._counter(label, outcome).inc()
        self._timer(label).observe(seconds)

    def _counter(self, label: str, outcome: str) -> Any:
        """Return the request counter of one label pair (labels are a fixed set: kept)."""
        counter = self._counters.get((label, outcome))
        if counter is None:
            counter = self._counters[label, outcome] = self.requests.labels(
                operation=label, outcome=outcome
            )
        return counter

    def _timer(self, label: str) -> Any:
        """Return the latency histogram of one operation label (kept, as counters are)."""
        timer = self._timers.get(label)
        if timer is None:
            timer = self._timers[label] = self.latency.labels(operation=label)
        return timer
