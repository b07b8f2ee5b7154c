"""``startTwoFactorEnrollment``: a fresh secret, its URI and QR codes."""

from __future__ import annotations

from typing import Annotated

from resolvers.enrollment.enrolling_operator import enrolling_operator
from resolvers.errors import returns_user_errors
from schema.context import Info
from schema.mutations import INPUT
from schema.mutations.two_factor import (
    StartTwoFactorEnrollmentInput,
    StartTwoFactorEnrollmentPayload,
)
from schema.types.enrollment import TwoFactorEnrollment
from services import enrollment


@returns_user_errors(StartTwoFactorEnrollmentPayload)
async def start_two_factor_enrollment(
    info: Info, input: Annotated[StartTwoFactorEnrollmentInput, INPUT]
) -> StartTwoFactorEnrollmentPayload:
    """Start (or restart) enrollment for the token's or the session's operator."""
    context = info.context
    operator, setup_token = await enrolling_operator(context, input.setup_token)
    started = await enrollment.start(
        operator,
        box=context.deps.box,
        outbox=context.deps.outbox,
        issuer=context.deps.settings.totp_issuer,
        now=context.now(),
        with_setup_token=setup_token is not None,
    )
    context.loaders.forget_operator(operator.id)
    return StartTwoFactorEnrollmentPayload(enrollment=TwoFactorEnrollment.from_domain(started))
