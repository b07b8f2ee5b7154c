"""``requestPasswordReset``: email a link to choose a new password."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.passwords.request_password_reset import (
    RequestPasswordResetInput,
    RequestPasswordResetPayload,
)
from schema.permissions import ANYONE
from services import password_management


@mutation(
    RequestPasswordResetPayload,
    description="Ask for a password reset link. When the email belongs to an active operator "
    "who signs in with a password, a link valid for 1 hour is emailed to them (at most one a "
    "minute). The answer is the same for every email, so it tells nobody whether one is "
    "registered.",
    permissions=ANYONE,
)
async def request_password_reset(
    info: Info, input: Annotated[RequestPasswordResetInput, INPUT]
) -> RequestPasswordResetPayload:
    """Answer at once; the reset email, if anyone gets one, is queued after the answer."""
    context = info.context
    key = password_management.reset_request_key(input.email)
    context.after_response(partial(password_management.send_reset_link, context.deps, key))
    return RequestPasswordResetPayload()
