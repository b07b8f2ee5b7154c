"""The size limits of a GraphQL document, each refused with a stable ``extensions.code``.

Strawberry's own limiters do the counting; this module only gives their errors a code a
client can branch on (and the depth limit its exact meaning):

- ``QUERY_TOO_DEEP``: fields nested more than ``MAX_DEPTH`` levels. A top-level field is
  level 1 and each selection set opens one more level, so ``{ viewer { account { id } } }``
  is 3 levels deep; fragments add no level and introspection fields (``__schema``,
  ``__type``) are not counted. Strawberry's ``QueryDepthLimiter(max_depth=n)`` counts from 0
  and so allows n + 1 levels; it is given ``MAX_DEPTH - 1`` here.
- ``TOO_MANY_ALIASES``: more than ``MAX_ALIASES`` aliased fields (fragments counted where
  they are spread), from Strawberry's ``MaxAliasesLimiter``.
- ``TOO_MANY_TOKENS``: more than ``MAX_TOKENS`` lexical tokens, from graphql-core's parser
  option ``max_tokens``, set as Strawberry's ``MaxTokensLimiter`` sets it; the parser stops there.
- ``DOCUMENT_TOO_LARGE``: a document longer than ``MAX_DOCUMENT_LENGTH`` characters, refused
  before it is parsed. Comments and whitespace are no tokens, and the parser cache keeps
  each document's text as its key: without this, a few hundred padded documents would hold
  hundreds of megabytes in the cache.

Any other syntax error is ``GRAPHQL_PARSE_FAILED``. The parsed document and the request's
``operationName`` must then name one operation, as the GraphQL spec's GetOperation says, or
the request is refused with ``OPERATION_RESOLUTION_FAILURE`` (Apollo Server's code): an
``operationName`` that no operation has, several operations and no ``operationName``, or no
operation at all. It is checked here, before validation, because Strawberry resolves the
operation right after parsing: alone, it would run the first of several operations, and
answer the other two cases with a plain-text 400.

Both validation rules report their error from their constructor through
``ValidationContext.report_error`` (Strawberry 0.341.2, ``query_depth_limiter.py`` and
``max_aliases.py``): ``coded_rule`` hands them a context whose ``report_error`` adds the code.
The depth rule looks fragments up by name and fails with ``KeyError`` on a spread of a
fragment the document does not define (graphene has the same bug, graphene#1538); such a
document is invalid anyway, and graphql-core's ``KnownFragmentNamesRule`` says so, so the
rule then checks nothing. The token error is a ``GraphQLSyntaxError`` recognised by its
message ("Document contains more than N tokens", graphql-core 3.3 ``language/parser.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    ValidationContext,
)
from strawberry.extensions import MaxAliasesLimiter, ParserCache, QueryDepthLimiter

from schema.context import Context
from schema.password_checks import OnePasswordCheck

MAX_DEPTH = 10
"""Deepest nesting of fields a document may have (a top-level field is level 1)."""
MAX_ALIASES = 30
"""Most aliases one document may use (every aliased attempt is still counted and throttled)."""
MAX_TOKENS = 2000
"""Most lexical tokens one document may have."""
PARSED_DOCUMENTS = 256
"""Parsed documents kept (clients repeat their queries)."""
MAX_DOCUMENT_LENGTH = 50_000
"""Most characters one document may have (several times any document a client needs)."""


class _CodingContext:
    """A validation context whose reported errors carry ``extensions.code`` (and a message)."""

    def __init__(
        self, context: ValidationContext, code: str, message: Callable[[GraphQLError], str]
    ) -> None:
        self._context = context
        self._code = code
        self._message = message

    def report_error(self, error: GraphQLError) -> None:
        """Report ``error`` to the real context, reworded and with the code."""
        self._context.report_error(
            GraphQLError(
                self._message(error),
                error.nodes,
                extensions={**(error.extensions or {}), "code": self._code},
            )
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


def coded_rule(
    rule: type[ASTValidationRule],
    code: str,
    message: Callable[[GraphQLError], str] = lambda error: error.message,
) -> type[ASTValidationRule]:
    """Return a subclass of ``rule`` whose errors carry ``extensions.code = code``."""

    class CodedRule(rule):  # type: ignore[misc,valid-type]
        def __init__(self, context: ValidationContext) -> None:
            try:
                super().__init__(_CodingContext(context, code, message))
            except KeyError as missing:
                if missing.args[0] in _fragment_names(context.document):
                    raise
                ASTValidationRule.__init__(self, context)  # an unknown fragment: invalid anyway

    CodedRule.__name__ = f"Coded{rule.__name__}"
    return CodedRule


def _fragment_names(document: DocumentNode) -> set[str]:
    """Return the names of the fragments ``document`` defines."""
    return {d.name.value for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _depth_message(error: GraphQLError) -> str:
    """Strawberry's message, with the limit as counted here."""
    operation = error.message.split(" exceeds ", 1)[0]
    return f"{operation} exceeds maximum operation depth of {MAX_DEPTH}"


LIMIT_RULES: list[type[ASTValidationRule]] = [
    OnePasswordCheck,
    *(
        coded_rule(rule, "QUERY_TOO_DEEP", _depth_message)
        for rule in QueryDepthLimiter(max_depth=MAX_DEPTH - 1).validation_rules
    ),
    *(
        coded_rule(rule, "TOO_MANY_ALIASES")
        for rule in MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules
    ),
]
"""The password-check, depth and alias rules, built once: the validation cache is keyed on the rule
classes, and the limiter extensions would build new ones for every request."""


class DocumentLimits(ParserCache):
    """A document's size limits (length, tokens, depth, aliases), its parsing, its operation.

    One extension rather than one per limit: Strawberry sets up each extension's hooks on
    every request, a cost the status query pays in full. It is Strawberry's ``ParserCache``
    (256 documents), extended: before parsing it refuses an over-long document and gives
    the parser its token limit (``parse_options["max_tokens"]``, as ``MaxTokensLimiter``
    does) and validation the depth and alias rules (as ``AddValidationRules`` does). The
    cost is checked with validation (``schema.cost.CostLimitedValidation``).

    An error raised while parsing (or the length refusal, or a document whose operation
    cannot be resolved) leaves the hook; Strawberry answers it as a request error, with the
    code it got here. A parsed document is noted on the request's ``Context``, so that the
    metrics label the request from it rather than parse it again.
    """

    def __init__(self, max_token_count: int = MAX_TOKENS) -> None:
        super().__init__(maxsize=PARSED_DOCUMENTS)
        self.max_token_count = max_token_count

    def on_parse(self) -> Iterator[None]:
        """Refuse an over-long document unparsed, else parse it within the limits."""
        context = self.execution_context
        query = context.query
        if query is not None and len(query) > MAX_DOCUMENT_LENGTH:
            raise GraphQLError(
                f"Document is longer than {MAX_DOCUMENT_LENGTH} characters",
                extensions={"code": "DOCUMENT_TOO_LARGE"},
            )
        context.parse_options["max_tokens"] = self.max_token_count
        context.validation_rules = (*context.validation_rules, *LIMIT_RULES)
        try:
            yield from super().on_parse()
        except GraphQLSyntaxError as raised:
            raised.extensions = {**(raised.extensions or {}), "code": self._code(raised)}
            raise
        document = context.graphql_document
        if document is not None:
            if isinstance(context.context, Context):
                context.context.document = document  # for the metrics' operation label
            # The name the request gave, as Strawberry keeps it (0.341.2, types/execution.py):
            # its public ``operation_name`` falls back to the first operation's.
            unresolved = operation_error(document, context._provided_operation_name)
            if unresolved is not None:
                raise unresolved

    def _code(self, error: GraphQLSyntaxError) -> str:
        limit = f"Document contains more than {self.max_token_count} tokens"
        return "TOO_MANY_TOKENS" if limit in error.message else "GRAPHQL_PARSE_FAILED"


def operation_error(document: DocumentNode, name: str | None) -> GraphQLError | None:
    """Return the error refusing a request whose document and ``name`` name no one operation.

    None when they do: the operation called ``name``, or the document's only operation when
    ``name`` is None. The messages are graphql-core's.
    """
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        if any(op.name is not None and op.name.value == name for op in operations):
            return None
        message = f"Unknown operation named '{name}'."
    elif len(operations) == 1:
        return None
    elif operations:
        message = "Must provide operation name if query contains multiple operations."
    else:
        message = "Must provide an operation."
    return GraphQLError(message, extensions={"code": "OPERATION_RESOLUTION_FAILURE"})
