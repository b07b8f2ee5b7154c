"""Counting GraphQL requests by operation and outcome, and timing them.

The ``operation`` label is the root field a request runs (``login``, ``viewer``…), not the
``operationName`` the client sends: clients choose operation names freely, so a label taken
from them would let anyone create any number of time series. It is read from the document
the request parsed to run (``DocumentLimits`` notes it on the request's context): nothing is
parsed for the metrics. Root fields are the schema's own, a fixed set; anything else falls
into one of three fixed values:

- ``introspection``: only ``__typename``, ``__schema`` or ``__type`` were selected;
- ``multiple``: the operation selects more than one root field;
- ``other``: unparsable, unknown field, no operation found, fragments at the root, or not
  a GraphQL request at all.

The ``outcome`` label is one of ``OUTCOMES``, read from the operation's result and the status.
"""

from __future__ import annotations

from typing import Any

from graphql import DocumentNode, FieldNode, OperationDefinitionNode
from starlette.types import Scope
from strawberry.types import ExecutionResult

from resolvers.schema import schema

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
OPERATIONS = ROOT_FIELDS | {"introspection", "multiple", "other"}
"""Every value of the ``operation`` label."""


def operation_label(document: DocumentNode | None, operation_name: str | None) -> str:
    """Return the ``operation`` label of a request from the document it parsed.

    ``document`` is None when the request parsed none (unparsable, too long, no query).
    """
    if document is None:
        return "other"
    operation: OperationDefinitionNode | None = None
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            operation_name is None
            or (definition.name is not None and definition.name.value == operation_name)
        ):
            if operation is not None:
                return "other"  # no single operation to run
            operation = definition
    if operation is None:
        return "other"
    selections = operation.selection_set.selections
    field: str | None = None
    several = False
    for selection in selections:
        if not isinstance(selection, FieldNode):
            return "other"  # fragments at the root: rare enough not to resolve
        name = selection.name.value
        if name not in INTROSPECTION_FIELDS:
            several = several or (field is not None and name != field)
            field = name
    if several:
        return "multiple"
    if field is None:
        return "introspection" if selections else "other"
    return field if field in ROOT_FIELDS else "other"


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
    endpoint ran (``record_operation``): from the document it parsed and the result it has,
    so nothing is decoded or parsed twice. A request that ends before an operation runs (a body
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
        self._start_every_series()

    def _start_every_series(self) -> None:
        """Create every (operation, outcome) counter and every operation's histogram at 0.

        A series that first appears with its first request is invisible to ``rate`` and
        ``increase``, which need a sample before the event: the first server error or the
        first slow login would never alert. So all of them exist from the start.
        """
        for label in sorted(OPERATIONS):
            self._timer(label)
            for outcome in OUTCOMES:
                self._counter(label, outcome)

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
