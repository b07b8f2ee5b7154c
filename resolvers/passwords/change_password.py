"""``changePassword``: a new password, proven with the current one."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.passwords.change_password import ChangePasswordInput, ChangePasswordPayload
from schema.permissions import SIGNED_IN
from services import password_management


@mutation(
    ChangePasswordPayload,
    description="Change your password (at least 12 characters), giving the current one. "
    "Needs a recent authentication; your other sessions end, this one stays, and you get an "
    "email about it.",
    permissions=SIGNED_IN,
)
async def change_password(
    info: Info, input: Annotated[ChangePasswordInput, INPUT]
) -> ChangePasswordPayload:
    """Check the current password, store the new one and end the other sessions."""
    context = info.context
    await password_management.change_password(
        context.deps, *context.require_session(), input.current_password, input.new_password
    )
    return ChangePasswordPayload()
