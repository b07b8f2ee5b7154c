"""Input and payload of `logout`: end the current session."""

from __future__ import annotations

import strawberry

from schema.errors import UserError


@strawberry.type(description="Result of `logout`.")
class LogoutPayload:
    """What ``logout`` answers."""

    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Always empty: logging out cannot fail."
    )
