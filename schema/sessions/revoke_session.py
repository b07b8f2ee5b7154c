"""Input and payload of `revokeSession`: end one session."""

from __future__ import annotations

import strawberry

from schema.errors import UserError


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
