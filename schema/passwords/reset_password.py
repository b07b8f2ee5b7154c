"""Input and payload of `resetPassword`: choose a new password from the emailed link."""

from __future__ import annotations

import strawberry

from schema.errors import UserError


@strawberry.input(description="The reset link's token and the new password.")
class ResetPasswordInput:
    """Arguments of ``resetPassword``."""

    token: str = strawberry.field(description="The token from the password reset link.")
    new_password: str = strawberry.field(
        description="The password to use from now on, at least 12 characters."
    )


@strawberry.type(description="Result of `resetPassword`; no session is issued: log in next.")
class ResetPasswordPayload:
    """What ``resetPassword`` answers."""

    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the password was not reset, if it was not."
    )
