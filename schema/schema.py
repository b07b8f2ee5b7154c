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

``MaskInternalErrors`` also overrides two methods of ``MaskErrors`` rather than its options
(``should_mask_error``, ``error_message``): ``anonymise_error``, which the extension calls
for each masked error, and ``_process_result``, which it calls once per result (re-read
``strawberry/extensions/mask_errors.py`` before raising the pin).
"""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema.cost import CostLimitedValidation
from schema.errors import UNAVAILABLE_MESSAGE
from schema.limits import DocumentLimits
from schema.mutation import Mutation
from schema.query import Query
from schema.types.account import AccountNode
from schema.types.audit import AuditEventNode
from schema.types.operator import OperatorNode
from schema.types.session import SessionNode
from services.errors import is_database_unavailable

logger = logging.getLogger("twofa.graphql")


class MaskInternalErrors(MaskErrors):
    """Masks unexpected errors; an unreachable database is said so, with a code to retry on."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        """Return the client's version of an internal error (no message or stack of ours)."""
        if is_database_unavailable(error.original_error):
            return GraphQLError(
                UNAVAILABLE_MESSAGE,
                nodes=error.nodes,
                path=error.path,
                extensions={"code": "SERVICE_UNAVAILABLE"},
            )
        return super().anonymise_error(error)

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
    """Tell whether an error came from an unexpected exception and must be masked.

    Errors meant for clients (syntax, validation, permission, ``ApiError``) carry no
    foreign original exception and pass through unchanged.
    """
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


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


def build_schema() -> strawberry.Schema:
    """Assemble the schema with depth, alias and token limits, caches and error masking."""
    return TwofaSchema(
        query=Query,
        mutation=Mutation,
        types=[AccountNode, OperatorNode, AuditEventNode, SessionNode],
        config=StrawberryConfig(auto_camel_case=True),
        extensions=[
            lambda: MaskInternalErrors(should_mask_error=is_internal),
            DocumentLimits,  # the parser cache too
            CostLimitedValidation,  # the validation cache too
        ],
    )


schema = build_schema()
