"""Input and payload of `reauthenticate`: prove who you are again, for sensitive actions."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.types.session import SessionNode


@strawberry.input(description="The password, and a code when two-factor is set up.")
class ReauthenticateInput:
    """Arguments of ``reauthenticate``."""

    password: str = strawberry.field(description="The operator's password.")
    code: str | None = strawberry.field(
        default=None,
        description="A code from the authenticator app, or a recovery code; required when "
        "two-factor authentication is set up.",
    )


@strawberry.type(description="Result of `reauthenticate`.")
class ReauthenticatePayload:
    """What ``reauthenticate`` answers."""

    session: SessionNode | None = strawberry.field(
        default=None, description="The current session, with its authentication renewed."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it failed, if it did."
    )
