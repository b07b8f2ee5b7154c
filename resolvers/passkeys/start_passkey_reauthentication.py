"""``startPasskeyReauthentication``: request options to renew the session with a passkey."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from resolvers.mutation_field import mutation
from schema.context import Info
from schema.errors import UserError
from schema.permissions import SIGNED_IN
from services.passkeys import assertion


@strawberry.type(description="Result of `startPasskeyReauthentication`.")
class StartPasskeyReauthenticationPayload:
    """What ``startPasskeyReauthentication`` answers."""

    public_key_options: JSON | None = strawberry.field(
        default=None,
        description="The options for `navigator.credentials.get()` in their WebAuthn Level 3 "
        "JSON form; the challenge in them is valid for 5 minutes, once, for this session.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused (NOT_CONFIGURED: no passkey)."
    )


@mutation(
    StartPasskeyReauthenticationPayload,
    description="Start proving who you are again with a passkey: give the assertion to "
    "`reauthenticate` as its credential, with your password.",
    permissions=SIGNED_IN,
)
async def start_passkey_reauthentication(info: Info) -> StartPasskeyReauthenticationPayload:
    """Issue a reauthentication challenge bound to the caller's session."""
    context = info.context
    options = await assertion.start_reauthentication(context.deps, *context.require_session())
    return StartPasskeyReauthenticationPayload(public_key_options=JSON(options))
