"""Field resolvers of ``OperatorConnection``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services import directory

if TYPE_CHECKING:
    from schema.types.operator_list import OperatorConnection


async def total_count(root: OperatorConnection) -> int:
    """Count the filtered list (one statement, run only when asked for)."""
    return await directory.count_operators(root.account_id, root.as_of, root.where)
