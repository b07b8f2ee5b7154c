"""One password check per request: a validation rule over a mutation's root fields.

Each mutation that computes a password hash (argon2id, about a quarter of a second of a
core) counts, whether it is written once, aliased, or spread in from fragments; more than
one in an operation is refused before anything runs, with
``extensions.code = "TOO_MANY_PASSWORD_CHECKS"``. ``@skip`` and ``@include`` are not
looked at: the worst case counts. Every guess is still counted by the throttle; this bounds
what a single request can make the server compute, and so how long it runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from graphql.language.visitor import SKIP
from graphql.validation import ASTValidationContext

PASSWORD_CHECKING_FIELDS = frozenset(
    {"login", "reauthenticate", "changePassword", "acceptInvitation", "resetPassword"}
)
"""Root mutation fields that compute a password hash."""
MAX_PASSWORD_CHECKS = 1
"""Most of them one operation may hold."""


def root_fields(
    selections: SelectionSetNode, context: ASTValidationContext, seen: set[str]
) -> Iterator[FieldNode]:
    """Yield the fields of a selection set, fragments (spread or inline) expanded.

    ``seen`` holds the fragments already expanded, so a fragment cycle (refused by
    another rule) ends here.
    """
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from root_fields(selection.selection_set, context, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            seen.add(selection.name.value)
            fragment = context.get_fragment(selection.name.value)
            if fragment is not None:
                yield from root_fields(fragment.selection_set, context, seen)


class OnePasswordCheck(ASTValidationRule):
    """Refuses a mutation operation with more than one password-hashing root field."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> Any:
        """Count the operation's password-hashing root fields; skip everything below."""
        if node.operation is OperationType.MUTATION:
            checks = [
                field
                for field in root_fields(node.selection_set, self.context, set())
                if field.name.value in PASSWORD_CHECKING_FIELDS
            ]
            if len(checks) > MAX_PASSWORD_CHECKS:
                self.report_error(
                    GraphQLError(
                        f"A request may check at most {MAX_PASSWORD_CHECKS} password "
                        f"(login, reauthenticate, changePassword, acceptInvitation, "
                        f"resetPassword); this one has {len(checks)}. Send them one by one.",
                        checks,
                        extensions={"code": "TOO_MANY_PASSWORD_CHECKS"},
                    )
                )
        return SKIP
