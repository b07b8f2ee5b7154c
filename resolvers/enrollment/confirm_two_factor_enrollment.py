"""``confirmTwoFactorEnrollment``: activate the pending secret with its first code."""

from __future__ import annotations

from typing import Annotated

from resolvers.enrollment import enrolling_operator
from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.enrollment.confirm_two_factor_enrollment import (
    ConfirmTwoFactorEnrollmentInput,
    ConfirmTwoFactorEnrollmentPayload,
)
from schema.permissions import ANYONE
from schema.types.operator import OperatorNode
from services import enrollment


@mutation(
    ConfirmTwoFactorEnrollmentPayload,
    description="Finish setting up an authenticator with its first code; returns the "
    "recovery codes once. With a setupToken, also logs the operator in.",
    permissions=ANYONE,
)
async def confirm_two_factor_enrollment(
    info: Info, input: Annotated[ConfirmTwoFactorEnrollmentInput, INPUT]
) -> ConfirmTwoFactorEnrollmentPayload:
    """Confirm enrollment; with a setup token this also logs the operator in."""
    context = info.context
    operator, proof = await enrolling_operator(context, input.setup_token)
    done = await enrollment.confirm(
        context.deps, operator, input.code, proof, client=context.client
    )
    if input.setup_token is not None:  # confirming by link ended every session of theirs
        context.sessions_ended_for(operator.id)
    else:
        context.loaders.forget_operator(operator.id)
    return ConfirmTwoFactorEnrollmentPayload(
        operator=OperatorNode.from_model(done.operator),
        recovery_codes=done.recovery_codes,
        session_token=done.session_token,
    )
