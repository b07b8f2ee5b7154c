"""``verifyTwoFactorCode``: the code step of login."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.permissions import ANYONE
from schema.types.operator import OperatorNode
from services.auth.code_step import verify_login_code


@strawberry.input(description="The second step of a login: a code for the challenge.")
class VerifyTwoFactorCodeInput:
    """Arguments of ``verifyTwoFactorCode``."""

    challenge_token: str = strawberry.field(description="The challengeToken from login.")
    code: str = strawberry.field(
        description="A 6-digit code from the authenticator app, an unused recovery code, or "
        "a temporary access pass an administrator issued."
    )
    remember_device: bool | None = strawberry.field(
        default=None,
        description="Remember this browser: when the account's trustedDeviceDays is above 0, "
        "the payload's deviceToken lets later logins here skip the second factor for that "
        "many days (never after a temporary access pass).",
    )


@strawberry.type(description="Result of `verifyTwoFactorCode`.")
class VerifyTwoFactorCodePayload:
    """What ``verifyTwoFactorCode`` answers."""

    session_token: str | None = strawberry.field(
        default=None, description="Bearer token of the new session, when the code was right."
    )
    device_token: str | None = strawberry.field(
        default=None,
        description="With rememberDevice, when the account has trusted devices on: give it "
        "to login as deviceToken to skip the second factor on this browser. Shown once.",
    )
    viewer: OperatorNode | None = strawberry.field(
        default=None, description="The operator now logged in."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the code was refused, if it was."
    )


@mutation(
    VerifyTwoFactorCodePayload,
    description="Second step of login: a TOTP or recovery code, or a temporary access pass, "
    "for the challenge token. "
    "Every attempt counts towards the operator's lock.",
    permissions=ANYONE,
)
async def verify_two_factor_code(
    info: Info, input: Annotated[VerifyTwoFactorCodeInput, INPUT]
) -> VerifyTwoFactorCodePayload:
    """Exchange a challenge token and a right code for a session."""
    context = info.context
    done = await verify_login_code(
        context.deps,
        input.challenge_token,
        input.code,
        remember_device=bool(input.remember_device),
    )
    return VerifyTwoFactorCodePayload(
        session_token=done.session_token,
        device_token=done.device_token,
        viewer=OperatorNode.from_model(done.operator),
    )
