"""``logout``: end the caller's session."""

from __future__ import annotations

from resolvers.mutation import mutation
from schema.auth.logout import LogoutPayload
from schema.context import Info
from schema.errors import unauthenticated
from schema.permissions import SIGNED_IN
from services.sessions import revoke_session


@mutation(LogoutPayload, description="End the current session.", permissions=SIGNED_IN)
async def logout(info: Info) -> LogoutPayload:
    """Revoke the session the request was made with."""
    session = info.context.session
    if session is None:
        raise unauthenticated()
    await revoke_session(session.id)
    info.context.end_session()
    return LogoutPayload()
