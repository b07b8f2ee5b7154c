"""``revokeSession``: end one session."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.ids import decode_id
from schema.permissions import SIGNED_IN
from services.sessions import management as session_management


@strawberry.input(description="The session to end.")
class RevokeSessionInput:
    """Arguments of ``revokeSession``."""

    session_id: strawberry.ID = strawberry.field(
        description="Global id of one of your sessions, or, for an administrator, of any "
        "session in the account."
    )


@strawberry.type(description="Result of `revokeSession`.")
class RevokeSessionPayload:
    """What ``revokeSession`` answers."""

    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the session was not ended, if it was not."
    )


@mutation(
    RevokeSessionPayload,
    description="End one of your sessions, or (administrators) any session in the account.",
    permissions=SIGNED_IN,
    recent_authentication=True,
)
async def revoke_session(
    info: Info, input: Annotated[RevokeSessionInput, INPUT]
) -> RevokeSessionPayload:
    """End the session if the caller may see it."""
    context = info.context
    operator, session = context.require_session()
    await session_management.revoke_session(
        context.deps, operator, session, decode_id(input.session_id, "Session")
    )
    return RevokeSessionPayload()
