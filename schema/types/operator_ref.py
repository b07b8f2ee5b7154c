"""An operator named by another object (an event's actor, a key's creator, an inviter).

Shown only to a caller who may read that operator; the ``Operator`` type is imported when
the schema is built, since it refers back to the types that name operators.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.context import Info

if TYPE_CHECKING:
    from schema.types.operator import OperatorNode

OperatorRef = Annotated["OperatorNode", strawberry.lazy("schema.types.operator")]
"""The ``Operator`` type as another type's field refers to it."""


async def readable_operator(info: Info, operator_id: int | None) -> OperatorNode | None:
    """Load an operator by id (batched per request) if the caller may read them.

    None for none, one removed, or a caller who may not read them (a basic operator reads
    only themselves; an API key without READ_OPERATORS reads no operator).
    """
    from schema.types.operator import OperatorNode

    if operator_id is None:
        return None
    operator = await info.context.loaders.operator.load(operator_id)
    if operator is None or not info.context.reads_operator(operator.id, operator.account_id):
        return None
    return OperatorNode.from_model(operator)
