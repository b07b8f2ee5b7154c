"""The executable schema, with its protective extensions.

The length, token, depth and alias limits (``schema/limits.py``) and the cost limit
(``schema/cost.py``) each refuse a document before it runs, with a stable
``extensions.code``; ``DocumentLimits`` (the parser cache, extended) and
``CostLimitedValidation`` (the validation cache, extended) apply them. They lean on
Strawberry internals, hence the ``strawberry-graphql~=`` pin in ``pyproject.toml``
(re-read ``strawberry/extensions/query_depth_limiter.py``, ``max_aliases.py``,
``max_tokens.py``, ``add_validation_rules.py``, ``parser_cache.py`` and
``validation_cache.py`` before raising it):

- ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` are ``AddValidationRules`` subclasses
  whose constructor builds a new rule class (``create_validator``) and keeps it in the
  ``validation_rules`` attribute; ``LIMIT_RULES`` reads that attribute once, at import.
- ``ValidationCache`` memoises ``validate_document(schema, document, rules)`` with
  ``rules`` the tuple ``execution_context.validation_rules``, which
  ``DocumentLimits.on_parse`` extends before validation runs, as
  ``AddValidationRules.on_operation`` does. Rule classes hash by
  identity, so only rule classes built once give cache hits.

Why: extensions are instantiated per request, so ``QueryDepthLimiter(...)`` and
``MaxAliasesLimiter(...)`` in the extension list would build new rule classes for every
request and the validation cache would never hit. Upstream:
strawberry-graphql/strawberry#4635 (``QueryDepthLimiter`` creates a new rule class per
request; open). ``MaxAliasesLimiter`` builds its rule the same way in 0.341.2.

``MaskInternalErrors`` also overrides three methods of ``MaskErrors`` rather than its
options (``should_mask_error``, ``error_message``): ``anonymise_error``, which the extension
calls for each masked error, ``_process_result``, which it calls once per result, and
``on_operation``, whose masking Strawberry skips when an exception ends the operation (re-read
``strawberry/extensions/mask_errors.py`` and ``Schema.execute`` in ``strawberry/schema/schema.py``
before raising the pin).

Every top-level error carries an ``extensions.code``, given where the error arises: the parse
hook (``GRAPHQL_PARSE_FAILED``, ``OPERATION_RESOLUTION_FAILURE``, the size limits), the
validation hook (``GRAPHQL_VALIDATION_FAILED``, the limit rules, ``QUERY_TOO_COMPLEX``),
``CodedExecutor`` (``BAD_USER_INPUT`` for variables), the resolvers (``ApiError``) and the
masking (``INTERNAL_SERVER_ERROR``, ``SERVICE_UNAVAILABLE``). Requests refused before they
reach the schema are coded by the view (``twofa/graphql_view.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.execution import Executor
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import (
    MaskErrors,
)
from strawberry.scalars import JSON
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext

from resolvers.mutation import Mutation
from resolvers.query import Query
from schema.cost import CostLimitedValidation
from schema.errors import UNAVAILABLE_MESSAGE
from schema.limits import DocumentLimits
from schema.types.account import AccountNode
from schema.types.audit import AuditEventNode
from schema.types.operator import OperatorNode
from schema.types.session import SessionNode
from services.errors import is_database_unavailable

logger = logging.getLogger("twofa.graphql")


STRAWBERRY_REFUSALS = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)
"""What ``Schema.execute`` lets out for the view to answer as a refused request (0.341.2)."""


class MaskInternalErrors(MaskErrors):
    """Masks unexpected errors (``INTERNAL_SERVER_ERROR``); a database outage is said so."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        """Return the client's version of an internal error (no message or stack of ours)."""
        if is_database_unavailable(error.original_error):
            return GraphQLError(
                UNAVAILABLE_MESSAGE,
                nodes=error.nodes,
                path=error.path,
                extensions={"code": "SERVICE_UNAVAILABLE"},
            )
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR"}
        return masked

    def on_operation(self) -> Iterator[None]:
        """Mask the errors of the result; log and mask an exception that ends the operation.

        An exception raised by a hook (parsing, validation) ends the operation before
        ``MaskErrors`` sees a result, and Strawberry makes it the result's only error with its
        own message. A request error raised on purpose (a ``GraphQLError`` of ours, or one of
        ``STRAWBERRY_REFUSALS``) goes on as it is; anything else is logged, as the schema logs
        internal errors, and replaced by its masked version.
        """
        try:
            yield from super().on_operation()
        except STRAWBERRY_REFUSALS:
            raise
        except Exception as raised:
            error = (
                raised
                if isinstance(raised, GraphQLError)
                else GraphQLError(str(raised), original_error=raised)
            )
            if not is_internal(error):
                raise
            context = self.execution_context
            context.schema.process_errors([error], context)
            raise self.anonymise_error(error) from raised

    def _process_result(self, result: object) -> None:
        """Mask the errors of one result, as Strawberry does, without its Protocol check.

        Strawberry's version first tests ``isinstance(result, _ResultWithErrors)``, a
        ``runtime_checkable`` Protocol: that test walks the protocol's attributes on every
        request, about a twentieth of a status query's time, to learn what ``getattr``
        tells at once.
        """
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]


def is_internal(error: GraphQLError) -> bool:
    """Tell whether an error is the server's fault, to be logged and masked.

    It is when it came from an unexpected exception, or when it carries no code: every error
    meant for clients (syntax, validation, variables, permission, ``ApiError``) has one by
    the time it is masked, so one without is graphql-core's complaint about what a resolver
    returned (an enum or scalar it cannot serialize, a list that is not one), whose message
    would show a value of ours.
    """
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        return True
    return not error.extensions or "code" not in error.extensions


class CodedExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor; the request errors it finds before running are ``BAD_USER_INPUT``.

    graphql-core's ``build`` returns errors instead of an executor when the operation cannot
    be picked or a variable's value cannot be coerced (missing, wrong type, unknown enum
    value). The operation is resolved earlier (``DocumentLimits``), so what reaches here is
    the client's input.
    """

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> list[GraphQLError] | Executor[Any]:
        """Build the executor, or return the request's errors with their code."""
        built = super().build(*args, **kwargs)
        if isinstance(built, list):
            for error in built:
                error.extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT"}
        return built


class TwofaSchema(strawberry.Schema):
    """The schema, logging only unexpected errors.

    Errors meant for the client (validation, UNAUTHENTICATED, FORBIDDEN, bad arguments) are
    answers, not incidents: logging them with a traceback would bury the real ones.
    """

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log the internal errors among ``errors``, with their tracebacks."""
        super().process_errors([e for e in errors if is_internal(e)], execution_context)


JSON_SCALAR = strawberry.scalar(
    name="JSON",
    description="A JSON value (ECMA-404): audit event details, and WebAuthn options and "
    "credentials in their Level 3 JSON form.",
    specified_by_url="https://ecma-international.org/wp-content/uploads/"
    "ECMA-404_2nd_edition_december_2017.pdf",
    serialize=lambda value: value,
    parse_value=lambda value: value,
)
"""The ``JSON`` scalar, described for twofa's uses of it."""


def build_schema() -> strawberry.Schema:
    """Assemble the schema with depth, alias and token limits, caches and error masking."""
    return TwofaSchema(
        query=Query,
        mutation=Mutation,
        types=[AccountNode, OperatorNode, AuditEventNode, SessionNode],
        config=StrawberryConfig(auto_camel_case=True),
        scalar_overrides={JSON: JSON_SCALAR},
        execution_context_class=CodedExecutor,
        extensions=[
            lambda: MaskInternalErrors(should_mask_error=is_internal),
            DocumentLimits,  # the parser cache too
            CostLimitedValidation,  # the validation cache too
        ],
    )


schema = build_schema()
