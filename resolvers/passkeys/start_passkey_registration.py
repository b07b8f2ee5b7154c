"""``startPasskeyRegistration``: the creation options for a new passkey."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from resolvers.enrollment import SETUP_TOKEN_HELP, enrolling_operator
from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.permissions import ANYONE
from services.passkeys import registration


@strawberry.input(description="Whose passkey to register.")
class StartPasskeyRegistrationInput:
    """Arguments of ``startPasskeyRegistration``."""

    setup_token: str | None = strawberry.field(default=None, description=SETUP_TOKEN_HELP)


@strawberry.type(description="Result of `startPasskeyRegistration`.")
class StartPasskeyRegistrationPayload:
    """What ``startPasskeyRegistration`` answers."""

    public_key_options: JSON | None = strawberry.field(
        default=None,
        description="The options for `navigator.credentials.create()` in their WebAuthn "
        "Level 3 JSON form (`PublicKeyCredential.parseCreationOptionsFromJSON`); the "
        "challenge in them is valid for 5 minutes, once.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why registration could not start, if it could not."
    )


@mutation(
    StartPasskeyRegistrationPayload,
    description="Start registering a passkey or security key as a second factor. Entry rules "
    "as for startTwoFactorEnrollment (a session, or a setupToken; SETUP_LINK_REQUIRED and "
    "an emailed link from a session established by the password alone or when two-factor "
    "authentication is required of the operator). An operator who already has a factor "
    "may add passkeys (at most 10) from a session that used one. A setupToken is proof "
    "enough: the recent authentication below is asked of sessions only.",
    permissions=ANYONE,
    recent_authentication=True,
)
async def start_passkey_registration(
    info: Info, input: Annotated[StartPasskeyRegistrationInput, INPUT]
) -> StartPasskeyRegistrationPayload:
    """Issue a registration challenge for the token's or the session's operator."""
    context = info.context
    operator, proof = await enrolling_operator(context, input.setup_token)
    options = await registration.start(context.deps, operator, proof)
    return StartPasskeyRegistrationPayload(public_key_options=JSON(options))
