"""``logout``: end the caller's session."""

from __future__ import annotations

from schema.context import Info
from schema.errors import unauthenticated
from schema.mutations.auth import LogoutPayload
from services.sessions import revoke_session


async def logout(info: Info) -> LogoutPayload:
    """Revoke the session the request was made with."""
    session = info.context.session
    if session is None:
        raise unauthenticated()
    await revoke_session(session.id)
    info.context.end_session()
    return LogoutPayload()
