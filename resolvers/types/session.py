"""Field resolvers of ``Session``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from schema.context import Info

if TYPE_CHECKING:
    from schema.types.session import SessionNode


def current(root: SessionNode, info: Info) -> bool:
    """Tell whether this is the session the request was made with."""
    session = info.context.session
    return session is not None and session.id == root.id
