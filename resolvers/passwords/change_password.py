"""``changePassword``: a new password, proven with the current one."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.permissions import SIGNED_IN
from services import passwords


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


@mutation(
    ChangePasswordPayload,
    description="Change your password (at least 12 characters), giving the current one. "
    "Your other sessions end, this one stays, and you get an email about it.",
    permissions=SIGNED_IN,
    recent_authentication=True,
)
async def change_password(
    info: Info, input: Annotated[ChangePasswordInput, INPUT]
) -> ChangePasswordPayload:
    """Check the current password, store the new one and end the other sessions."""
    context = info.context
    await passwords.change_password(
        context.deps, *context.require_session(), input.current_password, input.new_password
    )
    return ChangePasswordPayload()
