"""A query's worst-case cost, counted in nodes as GitHub counts them, checked before it runs.

Every list a query asks for counts the nodes it may return, times the nodes of every list
around it: a connection (a field with ``first``/``last``) counts its page size, the argument
or ``DEFAULT_PAGE`` when absent; its ``edges``/``nodes`` are that page and count nothing more;
any other list of objects counts ``DEFAULT_PAGE``; lists of scalars and enums count nothing.
So ``operators(first: 50) { edges { node { sessions(first: 10) { ... } } } }`` costs
50 + 50 * 10 = 550. Aliases each count, fragments count where they are spread, and
``@skip``/``@include`` are ignored (worst case). A page size given by a variable counts the
variable's value, or its default in the operation when the request leaves it out.

``CostLimitedValidation`` checks it right after validation, in the same hook, not as a
validation rule, because page sizes usually come from variables, which validation does not
see (and validation results are cached per document). It reads the graphql-core schema from
``ExecutionContext.schema._schema``, as Strawberry's own validation step does. A refused
query is answered like an invalid one, so no resolver (and no database statement) runs.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    value_from_ast_untyped,
)
from graphql.utilities import get_operation_ast
from strawberry.extensions import ValidationCache
from strawberry.types import ExecutionContext

MAX_NODES = 10_000
"""Largest worst-case node count a query may have."""
DEFAULT_PAGE = 100
"""Nodes counted for a list without a page size (the largest page the API serves)."""
PAGE_ARGUMENTS = ("first", "last")
PAGE_FIELDS = ("edges", "nodes")
"""The lists of a connection that are its page, already counted by the connection."""


VALIDATED_DOCUMENTS = 256
"""Validation results kept (as many as the parser cache's documents)."""
COST_CACHE_SIZE = 256
"""Documents whose page variables are remembered (as many as the parser cache holds)."""
COSTS_PER_DOCUMENT = 16
"""Distinct page sizes remembered per document; others are counted each time."""


def cost_error(context: ExecutionContext, max_nodes: int = MAX_NODES) -> GraphQLError | None:
    """Return the error refusing the operation of ``context`` if its cost passes ``max_nodes``.

    None when it may run. Costs are remembered per document and page sizes (``_prices``), so
    a client repeating its queries is not counted again on every request.
    """
    document = context.graphql_document
    if document is None:
        return None
    priced = _prices.get(document, context.operation_name)
    cost = priced.cost(context.schema._schema, context.variables or {})
    if cost <= max_nodes:
        return None
    return GraphQLError(
        f"Query cost {cost} exceeds the limit of {max_nodes}"
        " nodes (lists count their first/last, 100 when absent,"
        " multiplied when nested).",
        priced.operation,
        extensions={"code": "QUERY_TOO_COMPLEX"},
    )


class CostLimitedValidation(ValidationCache):
    """Strawberry's ``ValidationCache``, then the cost limit, in the one validation hook.

    A valid operation that costs too much is refused the way an invalid one is, before
    anything runs: its error is the request's only validation error. The check runs where
    ``ValidationCache.on_validate`` yields, once it has set ``pre_execution_errors``:
    Strawberry reads them when every validation hook has started (0.341.2).

    Validation errors without a code of their own (graphql-core's rules: unknown field,
    wrong argument, ``MaxIntrospectionDepthRule``…) get ``GRAPHQL_VALIDATION_FAILED``, the
    limit rules keep theirs. The cache hands out the same error objects for the same
    document, so each is coded on its first use and found coded on later ones.
    """

    def __init__(self, maxsize: int = VALIDATED_DOCUMENTS) -> None:
        super().__init__(maxsize=maxsize)

    def on_validate(self) -> Iterator[None]:
        """Validate (cached) and code the errors, or refuse a valid operation over the cost."""
        context = self.execution_context
        for _ in super().on_validate():  # validated: the cache's errors are set
            errors = context.pre_execution_errors
            if errors:
                code_validation_errors(errors)
            else:
                refused = cost_error(context)
                if refused is not None:
                    context.pre_execution_errors = [refused]  # the cache's own list is kept
            yield


def code_validation_errors(errors: list[GraphQLError]) -> None:
    """Give each error that has no ``extensions.code`` the code ``GRAPHQL_VALIDATION_FAILED``."""
    for error in errors:
        if not error.extensions or "code" not in error.extensions:
            error.extensions = {**(error.extensions or {}), "code": "GRAPHQL_VALIDATION_FAILED"}


class _Priced:
    """One operation of one document, and its cost for each page size seen."""

    def __init__(self, document: DocumentNode, operation_name: str | None) -> None:
        self.document = document  # held, so that its id names no other document while cached
        self.operation = get_operation_ast(document, operation_name)
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.page_variables = tuple(sorted(_page_variables(document)))
        self.costs: dict[tuple[object, ...], int] = {}

    def cost(self, schema: GraphQLSchema, variables: Mapping[str, Any]) -> int:
        """Return the operation's cost with these variables (only page sizes matter).

        0 when the document has no such operation: execution reports that.
        """
        if self.operation is None:
            return 0
        key = tuple(
            _size_key(variables[name]) if name in variables else _ABSENT
            for name in self.page_variables
        )
        cost = self.costs.get(key)
        if cost is None:
            cost = operation_cost(schema, self.operation, self.fragments, variables)
            if len(self.costs) < COSTS_PER_DOCUMENT:
                self.costs[key] = cost
        return cost


class _Prices:
    """The ``_Priced`` of recent documents, least recently used dropped first.

    Keyed by the document's identity: the parser cache hands out the same document for the
    same text, and hashing a document node would walk all of it.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[int, str | None], _Priced] = OrderedDict()

    def get(self, document: DocumentNode, operation_name: str | None) -> _Priced:
        """Return the operation's ``_Priced``, made on first use."""
        key = (id(document), operation_name)
        priced = self.entries.get(key)
        if priced is None or priced.document is not document:
            priced = self.entries[key] = _Priced(document, operation_name)
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)
        else:
            self.entries.move_to_end(key)
        return priced


_prices = _Prices(COST_CACHE_SIZE)


_ABSENT = "absent"
"""The key of a page-size variable the request leaves out (its default, if any, counts)."""


def _size_key(value: object) -> object:
    """Reduce a page-size variable's value to what the count reads of it (hashable)."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    return "other"


def _page_variables(document: DocumentNode) -> set[str]:
    """Return the names of the variables given as ``first`` or ``last`` anywhere."""
    names: set[str] = set()
    pending: list[SelectionSetNode] = [
        d.selection_set
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                for argument in selection.arguments or ():
                    if argument.name.value in PAGE_ARGUMENTS and isinstance(
                        argument.value, VariableNode
                    ):
                        names.add(argument.value.name.value)
            inner = getattr(selection, "selection_set", None)
            if inner is not None:
                pending.append(inner)
    return names


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> int:
    """Return the worst-case number of nodes ``operation`` may return.

    A variable the request leaves out counts with its default value from the operation
    (``query ($n: Int = 500)``), as execution will use it.
    """
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    defaults = {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }
    return _Counter(schema, fragments, {**defaults, **variables}).selection_set(
        operation.selection_set, root, in_page=False
    )


class _Counter:
    """Counts nodes at a multiplier of one; cost is linear in it, so fragments are memoised."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.memo: dict[tuple[str, bool], int] = {}
        self.visiting: set[str] = set()

    def selection_set(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, *, in_page: bool
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, in_page=in_page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(
                    selection.selection_set, inner or parent, in_page=in_page
                )
            elif isinstance(selection, FragmentSpreadNode):
                total += self.spread(selection.name.value, in_page=in_page)
        return total

    def spread(self, name: str, *, in_page: bool) -> int:
        key = (name, in_page)
        if key in self.memo:
            return self.memo[key]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.visiting:  # unknown or cyclic: invalid anyway
            return 0
        self.visiting.add(name)
        condition = self.schema.get_type(fragment.type_condition.name.value)
        cost = (
            self.selection_set(fragment.selection_set, condition, in_page=in_page)
            if condition is not None
            else 0
        )
        self.visiting.discard(name)
        self.memo[key] = cost
        return cost

    def field(self, node: FieldNode, parent: GraphQLNamedType, *, in_page: bool) -> int:
        fields: dict[str, GraphQLField] | None = getattr(parent, "fields", None)
        definition = fields.get(node.name.value) if fields is not None else None
        if definition is None:  # __typename and the like
            return 0
        named = get_named_type(definition.type)
        if any(name in definition.args for name in PAGE_ARGUMENTS):
            size = self.page_size(node)
            return size + size * self.selection_set(node.selection_set, named, in_page=True)
        inner = self.selection_set(node.selection_set, named, in_page=False)
        is_list = isinstance(get_nullable_type(definition.type), GraphQLList)
        if not is_list or not is_composite_type(named):
            return inner
        if in_page and node.name.value in PAGE_FIELDS:
            return inner
        return DEFAULT_PAGE + DEFAULT_PAGE * inner

    def page_size(self, node: FieldNode) -> int:
        """Return the largest of the given first/last, or DEFAULT_PAGE when none is known."""
        sizes = []
        for argument in node.arguments or ():
            if argument.name.value not in PAGE_ARGUMENTS:
                continue
            if isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value)
            else:
                value = value_from_ast_untyped(argument.value)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                sizes.append(value)
            elif value is not None:
                sizes.append(DEFAULT_PAGE)
        return max(sizes) if sizes else DEFAULT_PAGE
