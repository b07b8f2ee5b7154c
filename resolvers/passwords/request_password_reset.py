"""``requestPasswordReset``: email a link to choose a new password."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.permissions import ANYONE
from services import passwords


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
    key = passwords.reset_request_key(input.email)
    context.after_response(partial(passwords.send_reset_link, context.deps, key))
    return RequestPasswordResetPayload()
