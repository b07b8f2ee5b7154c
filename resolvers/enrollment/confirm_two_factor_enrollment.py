"""``confirmTwoFactorEnrollment``: activate the pending secret with its first code."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.enrollment import SETUP_TOKEN_HELP, enrolling_operator
from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.permissions import ANYONE
from schema.types.operator import OperatorNode
from services import enrollment


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
    done = await enrollment.confirm(context.deps, operator, input.code, proof)
    return ConfirmTwoFactorEnrollmentPayload(
        operator=OperatorNode.from_model(done.operator),
        recovery_codes=done.recovery_codes,
        session_token=done.session_token,
    )
