"""A query's worst-case cost, counted in nodes as GitHub counts them, checked before it runs.

Every list a query asks for counts the nodes it may return, times the nodes of every list
around it: a connection (a field with ``first``/``last``) counts its page size, the argument
or ``DEFAULT_PAGE`` when absent; its ``edges``/``nodes`` are that page and count nothing more;
any other list of objects counts ``DEFAULT_PAGE``; lists of scalars and enums count nothing.
So ``operators(first: 50) { edges { node { sessions(first: 10) { ... } } } }`` costs
50 + 50 * 10 = 550. Aliases each count, fragments count where they are spread, and
``@skip``/``@include`` are ignored (worst case). A page size given by a variable counts the
variable's value, or its default in the operation when the request leaves it out.

This is an extension's ``on_execute``, not a validation rule, because page sizes usually come
from variables, which validation does not see. It reads the graphql-core schema from
``ExecutionContext.schema._schema``, as Strawberry's own validation step does; and setting
``execution_context.result`` before yielding is Strawberry's documented way to answer without
executing, so no resolver (and no database statement) runs for a refused query.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    ExecutionResult,
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
from strawberry.extensions import SchemaExtension

MAX_NODES = 10_000
"""Largest worst-case node count a query may have."""
DEFAULT_PAGE = 100
"""Nodes counted for a list without a page size (the largest page the API serves)."""
PAGE_ARGUMENTS = ("first", "last")
PAGE_FIELDS = ("edges", "nodes")
"""The lists of a connection that are its page, already counted by the connection."""


class QueryCostLimiter(SchemaExtension):
    """Refuses, before execution, an operation whose worst-case cost passes ``max_nodes``."""

    def __init__(self, max_nodes: int = MAX_NODES) -> None:
        self.max_nodes = max_nodes

    def on_execute(self) -> Iterator[None]:
        """Count the operation's nodes; past the limit, answer with an error instead."""
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            operation = get_operation_ast(document, context.operation_name)
            if operation is not None:
                fragments = {
                    d.name.value: d
                    for d in document.definitions
                    if isinstance(d, FragmentDefinitionNode)
                }
                schema: GraphQLSchema = context.schema._schema
                cost = operation_cost(schema, operation, fragments, context.variables or {})
                if cost > self.max_nodes:
                    context.result = ExecutionResult(
                        data=None,
                        errors=[
                            GraphQLError(
                                f"Query cost {cost} exceeds the limit of {self.max_nodes}"
                                " nodes (lists count their first/last, 100 when absent,"
                                " multiplied when nested).",
                                operation,
                                extensions={"code": "QUERY_TOO_COMPLEX"},
                            )
                        ],
                    )
        yield


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
