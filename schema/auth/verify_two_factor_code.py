"""Input and payload of `verifyTwoFactorCode`: the code step of login."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.types.operator import OperatorNode


@strawberry.input(description="The second step of a login: a code for the challenge.")
class VerifyTwoFactorCodeInput:
    """Arguments of ``verifyTwoFactorCode``."""

    challenge_token: str = strawberry.field(description="The challengeToken from login.")
    code: str = strawberry.field(
        description="A 6-digit code from the authenticator app, or an unused recovery code."
    )


@strawberry.type(description="Result of `verifyTwoFactorCode`.")
class VerifyTwoFactorCodePayload:
    """What ``verifyTwoFactorCode`` answers."""

    session_token: str | None = strawberry.field(
        default=None, description="Bearer token of the new session, when the code was right."
    )
    viewer: OperatorNode | None = strawberry.field(
        default=None, description="The operator now logged in."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the code was refused, if it was."
    )
