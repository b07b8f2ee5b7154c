"""The root ``Query`` type."""

from __future__ import annotations

import strawberry
from strawberry import relay

from resolvers import query
from schema.types.operator import OperatorNode
from schema.types.session import SessionNode


@strawberry.type(description="Entry points for reading.")
class Query:
    """Root query type."""

    viewer: OperatorNode | None = strawberry.field(
        resolver=query.viewer,
        description="The signed-in operator; null without a valid session.",
    )
    viewer_session: SessionNode | None = strawberry.field(
        resolver=query.viewer_session,
        description="The session making this request; null without a valid session.",
    )
    node: relay.Node | None = strawberry.field(
        resolver=query.node,
        description="Any object by its global id, if the caller may read it; null otherwise.",
    )
