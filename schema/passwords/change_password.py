"""Input and payload of `changePassword`: a new password, proven with the current one."""

from __future__ import annotations

import strawberry

from schema.errors import UserError


@strawberry.input(description="The current password and the new one.")
class ChangePasswordInput:
    """Arguments of ``changePassword``."""

    current_password: str = strawberry.field(description="The password in use now.")
    new_password: str = strawberry.field(
        description="The password to use from now on, at least 12 characters."
    )


@strawberry.type(description="Result of `changePassword`.")
class ChangePasswordPayload:
    """What ``changePassword`` answers."""

    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the password was not changed, if it was not."
    )
