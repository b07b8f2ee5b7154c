"""Input and payload of `confirmTwoFactorEnrollment`: activate the pending secret."""

from __future__ import annotations

import strawberry

from schema.enrollment import SETUP_TOKEN_HELP
from schema.errors import UserError
from schema.types.operator import OperatorNode


@strawberry.input(description="The first code from the authenticator app.")
class ConfirmTwoFactorEnrollmentInput:
    """Arguments of ``confirmTwoFactorEnrollment``."""

    code: str = strawberry.field(description="The 6-digit code the app shows now.")
    setup_token: str | None = strawberry.field(default=None, description=SETUP_TOKEN_HELP)


@strawberry.type(description="Result of `confirmTwoFactorEnrollment`.")
class ConfirmTwoFactorEnrollmentPayload:
    """What ``confirmTwoFactorEnrollment`` answers."""

    operator: OperatorNode | None = strawberry.field(
        default=None, description="The operator, now with two-factor authentication."
    )
    recovery_codes: list[str] | None = strawberry.field(
        default=None,
        description="Ten single-use recovery codes. Shown this once: they are stored only as "
        "hashes.",
    )
    session_token: str | None = strawberry.field(
        default=None, description="With a setupToken: the session of the now logged-in operator."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the code was refused, if it was."
    )
