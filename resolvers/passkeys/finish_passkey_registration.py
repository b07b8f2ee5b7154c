"""``finishPasskeyRegistration``: store the new passkey."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from resolvers.enrollment import SETUP_TOKEN_HELP, enrolling_operator
from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.permissions import ANYONE
from schema.types.passkey import PasskeyNode
from services.passkeys import registration


@strawberry.input(description="The authenticator's answer to the registration options.")
class FinishPasskeyRegistrationInput:
    """Arguments of ``finishPasskeyRegistration``."""

    name: str = strawberry.field(description="A name for the passkey, 1 to 100 characters.")
    credential: JSON = strawberry.field(
        description="The new credential in its WebAuthn Level 3 JSON form "
        "(`PublicKeyCredential.toJSON()`)."
    )
    setup_token: str | None = strawberry.field(default=None, description=SETUP_TOKEN_HELP)


@strawberry.type(description="Result of `finishPasskeyRegistration`.")
class FinishPasskeyRegistrationPayload:
    """What ``finishPasskeyRegistration`` answers."""

    passkey: PasskeyNode | None = strawberry.field(
        default=None, description="The registered passkey."
    )
    recovery_codes: list[str] | None = strawberry.field(
        default=None,
        description="When this passkey is the operator's first factor: ten single-use "
        "recovery codes, shown this once. Null for a further passkey.",
    )
    session_token: str | None = strawberry.field(
        default=None,
        description="With a setupToken (first factor): the session of the now logged-in operator.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the passkey was refused, if it was."
    )


@mutation(
    FinishPasskeyRegistrationPayload,
    description="Finish registering a passkey with the authenticator's answer; any problem "
    "with the answer is PASSKEY_INVALID. As the first factor it turns two-factor "
    "authentication on (recovery codes returned once; with a setupToken, also logs the "
    "operator in).",
    permissions=ANYONE,
)
async def finish_passkey_registration(
    info: Info, input: Annotated[FinishPasskeyRegistrationInput, INPUT]
) -> FinishPasskeyRegistrationPayload:
    """Verify the answer and store the passkey."""
    context = info.context
    operator, proof = await enrolling_operator(context, input.setup_token)
    done = await registration.finish(context.deps, operator, input.name, input.credential, proof)
    return FinishPasskeyRegistrationPayload(
        passkey=PasskeyNode.from_model(done.passkey),
        recovery_codes=done.recovery_codes,
        session_token=done.session_token,
    )
