"""``startPasskeyVerification``: request options for the passkey step of login."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.permissions import ANYONE
from services.auth.passkey_step import start_verification


@strawberry.input(description="The login to finish with a passkey.")
class StartPasskeyVerificationInput:
    """Arguments of ``startPasskeyVerification``."""

    challenge_token: str = strawberry.field(description="The challengeToken from login.")


@strawberry.type(description="Result of `startPasskeyVerification`.")
class StartPasskeyVerificationPayload:
    """What ``startPasskeyVerification`` answers."""

    public_key_options: JSON | None = strawberry.field(
        default=None,
        description="The options for `navigator.credentials.get()` in their WebAuthn Level 3 "
        "JSON form (`PublicKeyCredential.parseRequestOptionsFromJSON`), listing the "
        "operator's passkeys; the challenge is valid for 5 minutes, once.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@mutation(
    StartPasskeyVerificationPayload,
    description="Second step of login with a passkey: the request options for the challenge "
    "token (NOT_CONFIGURED when the operator has no passkey). Answer with verifyPasskey.",
    permissions=ANYONE,
)
async def start_passkey_verification(
    info: Info, input: Annotated[StartPasskeyVerificationInput, INPUT]
) -> StartPasskeyVerificationPayload:
    """Issue a passkey challenge for the login."""
    options = await start_verification(info.context.deps, input.challenge_token)
    return StartPasskeyVerificationPayload(public_key_options=JSON(options))
