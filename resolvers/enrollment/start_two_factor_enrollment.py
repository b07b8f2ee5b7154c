"""``startTwoFactorEnrollment``: a fresh secret, its URI and QR codes."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.enrollment import SETUP_TOKEN_HELP, enrolling_operator
from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.permissions import ANYONE
from schema.types.enrollment import TwoFactorEnrollment
from services import enrollment


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


@mutation(
    StartTwoFactorEnrollmentPayload,
    description="Start setting up an authenticator: returns a fresh secret and its QR code. "
    "Needs a session or a setupToken. From a session established by the password alone, "
    "or when two-factor authentication is required of the operator, the answer is "
    "SETUP_LINK_REQUIRED and a setup link is emailed instead "
    "(EffectiveTwoFactorPolicy.enrollmentNeedsEmailLink says so beforehand). A setupToken "
    "is proof enough: the recent authentication below is asked of sessions only. An "
    "operator whose only factors are passkeys may add an authenticator app from a session "
    "that proved a second factor (REAUTHENTICATION_REQUIRED otherwise; a setupToken is "
    "ALREADY_CONFIGURED then); confirming it keeps their recovery codes and other sessions.",
    permissions=ANYONE,
    recent_authentication=True,
)
async def start_two_factor_enrollment(
    info: Info, input: Annotated[StartTwoFactorEnrollmentInput, INPUT]
) -> StartTwoFactorEnrollmentPayload:
    """Start (or restart) enrollment for the token's or the session's operator."""
    context = info.context
    operator, proof = await enrolling_operator(context, input.setup_token)
    started = await enrollment.start(context.deps, operator, proof)
    return StartTwoFactorEnrollmentPayload(enrollment=TwoFactorEnrollment.from_domain(started))
