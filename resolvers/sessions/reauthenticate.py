"""``reauthenticate``: renew the current session's recent authentication."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.permissions import SIGNED_IN
from schema.sessions.reauthenticate import ReauthenticateInput, ReauthenticatePayload
from schema.types.session import SessionNode
from services.reauthentication import reauthenticate as renew


@mutation(
    ReauthenticatePayload,
    description="Prove who you are again (password, and a code when two-factor is set up) so "
    "that the current session may do sensitive things for the next two hours. Attempts "
    "count towards the same locks as logins.",
    permissions=SIGNED_IN,
)
async def reauthenticate(
    info: Info, input: Annotated[ReauthenticateInput, INPUT]
) -> ReauthenticatePayload:
    """Check the password (and code) and renew the session."""
    context = info.context
    operator, session = context.require_session()
    renewed = await renew(context.deps, operator, session, input.password, input.code)
    return ReauthenticatePayload(session=SessionNode.from_model(renewed))
