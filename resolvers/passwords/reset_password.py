"""``resetPassword``: choose a new password from the emailed link."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.permissions import ANYONE
from services import passwords


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


@mutation(
    ResetPasswordPayload,
    description="Set a new password (at least 12 characters) with the token of a password "
    "reset link. The link works once; every session of the operator ends and none is "
    "issued: log in with the new password, and the second factor as usual.",
    permissions=ANYONE,
)
async def reset_password(
    info: Info, input: Annotated[ResetPasswordInput, INPUT]
) -> ResetPasswordPayload:
    """Store the new password and end the operator's sessions."""
    context = info.context
    await passwords.reset_password(context.deps, input.token, input.new_password)
    return ResetPasswordPayload()
