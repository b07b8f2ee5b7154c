"""``confirmTwoFactorEnrollment``: activate the pending secret with its first code."""

from __future__ import annotations

from typing import Annotated

from resolvers.enrollment.enrolling_operator import enrolling_operator
from resolvers.errors import returns_user_errors
from schema.context import Info
from schema.mutations import INPUT
from schema.mutations.two_factor import (
    ConfirmTwoFactorEnrollmentInput,
    ConfirmTwoFactorEnrollmentPayload,
)
from schema.types.operator import OperatorNode
from services import enrollment


@returns_user_errors(ConfirmTwoFactorEnrollmentPayload)
async def confirm_two_factor_enrollment(
    info: Info, input: Annotated[ConfirmTwoFactorEnrollmentInput, INPUT]
) -> ConfirmTwoFactorEnrollmentPayload:
    """Confirm enrollment; with a setup token this also logs the operator in."""
    context = info.context
    operator, setup_token = await enrolling_operator(context, input.setup_token)
    done = await enrollment.confirm(
        operator,
        input.code,
        box=context.deps.box,
        hasher=context.deps.hasher,
        outbox=context.deps.outbox,
        now=context.now(),
        current_session_id=context.session.id if context.session and not setup_token else None,
        setup_token=setup_token,
    )
    context.loaders.forget_operator(operator.id)
    return ConfirmTwoFactorEnrollmentPayload(
        operator=OperatorNode.from_model(done.operator),
        recovery_codes=done.recovery_codes,
        session_token=done.session_token,
    )
