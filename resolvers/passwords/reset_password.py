"""``resetPassword``: choose a new password from the emailed link."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.passwords.reset_password import ResetPasswordInput, ResetPasswordPayload
from schema.permissions import ANYONE
from services import password_management


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
    operator = await password_management.reset_password(
        context.deps, input.token, input.new_password
    )
    context.sessions_ended_for(operator.id)
    return ResetPasswordPayload()
