"""Field resolvers of ``AuditEvent``: who acted and whom it was about."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.context import Info
from services import audit

if TYPE_CHECKING:
    from schema.types.audit import AuditEventConnection, AuditEventNode
    from schema.types.operator import OperatorNode

OperatorRef = Annotated["OperatorNode", strawberry.lazy("schema.types.operator")]


async def actor(root: AuditEventNode, info: Info) -> OperatorRef | None:
    """Load the acting operator (batched per request)."""
    return await _operator(info, root.actor_id)


async def target(root: AuditEventNode, info: Info) -> OperatorRef | None:
    """Load the operator the event concerns (batched per request)."""
    return await _operator(info, root.target_id)


async def _operator(info: Info, operator_id: int | None) -> OperatorNode | None:
    from schema.types.operator import OperatorNode

    if operator_id is None:
        return None
    operator = await info.context.loaders.operator.load(operator_id)
    return OperatorNode.from_model(operator) if operator is not None else None


async def total_count(root: AuditEventConnection) -> int:
    """Count the filtered log (one statement, run only when asked for)."""
    return await audit.count_events(root.account_id, root.where)
