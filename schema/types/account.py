"""The ``Account`` type and its operator connection."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from models import Account
from schema.context import Info
from schema.enums import TwoFactorMode
from schema.errors import forbidden
from schema.pagination import decode_cursor, encode_cursor, page_size
from schema.permissions import IsAdministrator, IsAuthenticated
from schema.types.operator import OperatorNode
from services.operators import count_operators, operators_page

OPERATOR_CURSOR = "Operator"


@strawberry.type(name="OperatorConnection", description="A page of an account's operators.")
class OperatorConnection(relay.Connection[OperatorNode]):
    """A Relay connection over operators, with the total count."""

    total_count: int = strawberry.field(description="How many operators the whole list has.")


@strawberry.type(name="Account", description="A customer account and its two-factor default.")
class AccountNode(relay.Node):
    """The GraphQL view of an account."""

    id: relay.NodeID[int]
    name: str = strawberry.field(description="Display name of the account.")
    two_factor_default: TwoFactorMode = strawberry.field(
        description="Account-wide mode for operators without an override."
    )

    @classmethod
    def from_model(cls, account: Account) -> AccountNode:
        """Build the GraphQL object from the stored account."""
        return cls(id=account.id, name=account.name, two_factor_default=account.two_factor_default)

    @strawberry.field(
        description="The account's operators, oldest first (administrators of this account).",
        permission_classes=[IsAuthenticated, IsAdministrator],
    )
    async def operators(
        self,
        info: Info,
        first: Annotated[
            int | None, strawberry.argument(description="Page size, 0 to 100 (50 when omitted).")
        ] = None,
        after: Annotated[
            str | None, strawberry.argument(description="Cursor of the edge to continue after.")
        ] = None,
    ) -> OperatorConnection:
        """Return one page of the account's operators."""
        viewer = info.context.viewer
        if viewer is None or viewer.account_id != self.id:
            raise forbidden()
        limit = page_size(first)
        after_id = decode_cursor(OPERATOR_CURSOR, after)
        operators, has_next = await operators_page(self.id, after_id=after_id, limit=limit)
        edges = [
            relay.Edge(
                cursor=encode_cursor(OPERATOR_CURSOR, op.id), node=OperatorNode.from_model(op)
            )
            for op in operators
        ]
        return OperatorConnection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=has_next,
                has_previous_page=after_id is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=await count_operators(self.id),
        )
