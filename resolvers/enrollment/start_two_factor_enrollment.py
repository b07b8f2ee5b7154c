"""``startTwoFactorEnrollment``: a fresh secret, its URI and QR codes."""

from __future__ import annotations

from typing import Annotated

from resolvers.enrollment import enrolling_operator
from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.enrollment.start_two_factor_enrollment import (
    StartTwoFactorEnrollmentInput,
    StartTwoFactorEnrollmentPayload,
)
from schema.permissions import ANYONE
from schema.types.enrollment import TwoFactorEnrollment
from services import enrollment


@mutation(
    StartTwoFactorEnrollmentPayload,
    description="Start setting up an authenticator: returns a fresh secret and its QR code. "
    "Needs a session or a setupToken.",
    permissions=ANYONE,
)
async def start_two_factor_enrollment(
    info: Info, input: Annotated[StartTwoFactorEnrollmentInput, INPUT]
) -> StartTwoFactorEnrollmentPayload:
    """Start (or restart) enrollment for the token's or the session's operator."""
    context = info.context
    operator, proof = await enrolling_operator(context, input.setup_token)
    started = await enrollment.start(context.deps, operator, proof)
    context.loaders.forget_operator(operator.id)
    return StartTwoFactorEnrollmentPayload(enrollment=TwoFactorEnrollment.from_domain(started))
