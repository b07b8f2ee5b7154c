"""``verifyPasskey``: the passkey step of login."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.permissions import ANYONE
from schema.types.operator import OperatorNode
from services.auth.passkey_step import verify_login_passkey


@strawberry.input(description="The second step of a login: a passkey's answer.")
class VerifyPasskeyInput:
    """Arguments of ``verifyPasskey``."""

    challenge_token: str = strawberry.field(description="The challengeToken from login.")
    credential: JSON = strawberry.field(
        description="The assertion in its WebAuthn Level 3 JSON form "
        "(`PublicKeyCredential.toJSON()`), over startPasskeyVerification's options."
    )
    remember_device: bool | None = strawberry.field(
        default=None,
        description="Remember this browser: when the account allows it, a deviceToken is "
        "returned that skips the second factor at later logins.",
    )


@strawberry.type(description="Result of `verifyPasskey`.")
class VerifyPasskeyPayload:
    """What ``verifyPasskey`` answers."""

    session_token: str | None = strawberry.field(
        default=None, description="Bearer token of the new session, when the passkey was right."
    )
    device_token: str | None = strawberry.field(
        default=None,
        description="With rememberDevice, when the account has trusted devices on: give it "
        "to login as deviceToken. Shown once.",
    )
    viewer: OperatorNode | None = strawberry.field(
        default=None, description="The operator now logged in."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the passkey was refused, if it was."
    )


@mutation(
    VerifyPasskeyPayload,
    description="Second step of login: a passkey's assertion for the challenge token "
    "(PASSKEY_INVALID if it does not verify). Every attempt counts towards the operator's "
    "lock, as codes do.",
    permissions=ANYONE,
)
async def verify_passkey(
    info: Info, input: Annotated[VerifyPasskeyInput, INPUT]
) -> VerifyPasskeyPayload:
    """Exchange a challenge token and a valid assertion for a session."""
    done = await verify_login_passkey(
        info.context.deps, input.challenge_token, input.credential, bool(input.remember_device)
    )
    return VerifyPasskeyPayload(
        session_token=done.session_token,
        device_token=done.device_token,
        viewer=OperatorNode.from_model(done.operator),
    )
