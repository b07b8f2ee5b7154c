"""Listing an account's operators: the filter and the connection with its total count."""

from __future__ import annotations

import strawberry
from strawberry import relay

from schema.context import Info
from schema.enums import (
    OperatorRole,
    OperatorStatus,
    TwoFactorCompliance,
    TwoFactorMode,
    TwoFactorState,
)
from schema.pagination import encode_cursor
from schema.types.operator import OperatorNode
from services.operators import directory
from services.policy import Deadlines


@strawberry.input(description="Conditions on the operators to list; all must hold.")
class OperatorFilter:
    """Filter of ``Account.operators``."""

    mode: TwoFactorMode | None = strawberry.field(
        default=None, description="Only operators whose effective mode is this."
    )
    state: TwoFactorState | None = strawberry.field(
        default=None, description="Only operators in this two-factor state."
    )
    setup_required: bool | None = strawberry.field(
        default=None,
        description="true: only operators who still have to set up 2FA; false: only the others.",
    )
    role: OperatorRole | None = strawberry.field(default=None, description="Only this role.")
    status: OperatorStatus | None = strawberry.field(
        default=None,
        description="Only operators with this status; INVITED lists the open invitations.",
    )
    compliance: list[TwoFactorCompliance] | None = strawberry.field(
        default=None,
        description="Only operators in one of these compliance states (an empty list: none).",
    )
    search: str | None = strawberry.field(
        default=None,
        description="Only operators whose email or name starts with this text, ignoring case "
        "(a whole address matches its internationalized domain in either form). Blank: any.",
    )

    def to_domain(self) -> directory.OperatorFilter:
        """Return the filter the directory service applies in SQL."""
        return directory.OperatorFilter(
            mode=self.mode,
            state=self.state,
            setup_required=self.setup_required,
            role=self.role,
            status=self.status,
            compliance=tuple(self.compliance) if self.compliance is not None else None,
            search=self.search,
        )


@strawberry.type(name="OperatorConnection", description="A page of an account's operators.")
class OperatorConnection(relay.Connection[OperatorNode]):
    """A Relay connection over operators, with the total count of the filtered list."""

    account_id: strawberry.Private[int]
    where: strawberry.Private[directory.OperatorFilter | None]
    deadlines: strawberry.Private[Deadlines]
    hypothesis: strawberry.Private[directory.Hypothesis | None] = None

    @strawberry.field(description="How many operators the whole filtered list has.")
    async def total_count(self) -> int:
        """Count the filtered list (one statement, run only when asked for)."""
        return await directory.count_operators(
            self.account_id, self.deadlines, self.where, self.hypothesis
        )


OPERATOR_CURSOR = "Operator"
"""The type name in the cursors of a list of operators."""


def operator_edges(info: Info, rows: list[directory.PolicyRow]) -> list[relay.Edge[OperatorNode]]:
    """Return the edges of a page of operators, their 2FA states primed for this request."""
    for row in rows:
        info.context.loaders.prime_two_factor_state(row.id, row.state)
    return [
        relay.Edge(
            cursor=encode_cursor(OPERATOR_CURSOR, row.id),
            node=OperatorNode.from_model(row.operator),
        )
        for row in rows
    ]
