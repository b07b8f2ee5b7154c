"""``revokeSession``: end one session."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.ids import decode_id
from schema.permissions import SIGNED_IN
from schema.sessions.revoke_session import RevokeSessionInput, RevokeSessionPayload
from services import session_management


@mutation(
    RevokeSessionPayload,
    description="End one of your sessions, or (administrators) any session in the account.",
    permissions=SIGNED_IN,
)
async def revoke_session(
    info: Info, input: Annotated[RevokeSessionInput, INPUT]
) -> RevokeSessionPayload:
    """End the session if the caller may see it."""
    context = info.context
    operator, session = context.require_session()
    ended = await session_management.revoke_session(
        context.deps, operator, session, decode_id(input.session_id, "Session")
    )
    if ended.id == session.id:
        context.end_session()
    return RevokeSessionPayload()
