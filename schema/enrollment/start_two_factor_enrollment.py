"""Input and payload of `startTwoFactorEnrollment`: a fresh secret, its URI and QR codes."""

from __future__ import annotations

import strawberry

from schema.enrollment import SETUP_TOKEN_HELP
from schema.errors import UserError
from schema.types.enrollment import TwoFactorEnrollment


@strawberry.input(description="Whose enrollment to start.")
class StartTwoFactorEnrollmentInput:
    """Arguments of ``startTwoFactorEnrollment``."""

    setup_token: str | None = strawberry.field(default=None, description=SETUP_TOKEN_HELP)


@strawberry.type(description="Result of `startTwoFactorEnrollment`.")
class StartTwoFactorEnrollmentPayload:
    """What ``startTwoFactorEnrollment`` answers."""

    enrollment: TwoFactorEnrollment | None = strawberry.field(
        default=None, description="The new pending secret, valid for 15 minutes."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why enrollment could not start, if it could not."
    )
