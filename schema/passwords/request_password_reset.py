"""Input and payload of `requestPasswordReset`: email a link to choose a new password."""

from __future__ import annotations

import strawberry

from schema.errors import UserError


@strawberry.input(description="Whose password to reset.")
class RequestPasswordResetInput:
    """Arguments of ``requestPasswordReset``."""

    email: str = strawberry.field(description="The email address the operator logs in with.")


@strawberry.type(description="Result of `requestPasswordReset`: the same for every address.")
class RequestPasswordResetPayload:
    """What ``requestPasswordReset`` answers."""

    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="INVALID_INPUT when the email is no address at all; otherwise empty, "
        "whether or not a link was sent.",
    )
