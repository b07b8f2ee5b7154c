"""Inputs and payloads of enrollment, disabling, recovery codes and the administrator reset."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.types.enrollment import TwoFactorEnrollment
from schema.types.operator import OperatorNode

SETUP_TOKEN_HELP = (
    "Token from a setup email link or from acceptInvitation; without it, the session's "  # noqa: S105
    "operator enrolls."
)


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


@strawberry.input(description="A current code, proving the operator still holds the factor.")
class DisableTwoFactorInput:
    """Arguments of ``disableTwoFactor``."""

    code: str = strawberry.field(description="A 6-digit code from the app, or a recovery code.")


@strawberry.type(description="Result of `disableTwoFactor`.")
class DisableTwoFactorPayload:
    """What ``disableTwoFactor`` answers."""

    operator: OperatorNode | None = strawberry.field(
        default=None, description="The operator, now without an authenticator."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@strawberry.input(description="A current code, proving the operator still holds the factor.")
class RegenerateRecoveryCodesInput:
    """Arguments of ``regenerateRecoveryCodes``."""

    code: str = strawberry.field(description="A 6-digit code from the app, or a recovery code.")


@strawberry.type(description="Result of `regenerateRecoveryCodes`.")
class RegenerateRecoveryCodesPayload:
    """What ``regenerateRecoveryCodes`` answers."""

    recovery_codes: list[str] | None = strawberry.field(
        default=None, description="Ten new single-use codes, shown this once; the old ones die."
    )
    operator: OperatorNode | None = strawberry.field(
        default=None, description="The operator the codes belong to."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@strawberry.input(description="The operator whose two-factor setup an administrator removes.")
class ResetOperatorTwoFactorInput:
    """Arguments of ``resetOperatorTwoFactor``."""

    operator_id: strawberry.ID = strawberry.field(description="Global id of an operator.")


@strawberry.type(description="Result of `resetOperatorTwoFactor`.")
class ResetOperatorTwoFactorPayload:
    """What ``resetOperatorTwoFactor`` answers."""

    operator: OperatorNode | None = strawberry.field(
        default=None, description="The operator, now without an authenticator or sessions."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )
