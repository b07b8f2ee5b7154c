"""``logout``: end the caller's session."""

from __future__ import annotations

import strawberry

from resolvers.mutation_field import mutation
from schema.context import Info
from schema.errors import UserError, unauthenticated
from schema.permissions import SIGNED_IN
from services.sessions import revoke_session


@strawberry.type(description="Result of `logout`.")
class LogoutPayload:
    """What ``logout`` answers."""

    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Always empty: logging out cannot fail."
    )


@mutation(LogoutPayload, description="End the current session.", permissions=SIGNED_IN)
async def logout(info: Info) -> LogoutPayload:
    """Revoke the session the request was made with."""
    session = info.context.session
    if session is None:
        raise unauthenticated()
    await revoke_session(session.id)
    return LogoutPayload()
