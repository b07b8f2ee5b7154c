"""The root ``Mutation`` type: every change goes through one of these fields."""

from __future__ import annotations

import strawberry
from strawberry.permission import BasePermission

from resolvers.auth.login import login
from resolvers.auth.logout import logout
from resolvers.auth.verify_two_factor_code import verify_two_factor_code
from resolvers.enrollment.confirm_two_factor_enrollment import confirm_two_factor_enrollment
from resolvers.enrollment.disable_two_factor import disable_two_factor
from resolvers.enrollment.regenerate_recovery_codes import regenerate_recovery_codes
from resolvers.enrollment.start_two_factor_enrollment import start_two_factor_enrollment
from resolvers.invitations.accept_invitation import accept_invitation
from resolvers.invitations.invite_operator import invite_operator
from resolvers.policy.clear_operator_two_factor_override import (
    clear_operator_two_factor_override,
)
from resolvers.policy.reset_operator_two_factor import reset_operator_two_factor
from resolvers.policy.set_account_two_factor_default import set_account_two_factor_default
from resolvers.policy.set_operator_two_factor_override import set_operator_two_factor_override
from schema.permissions import IsAdministrator, IsAuthenticated

SIGNED_IN: list[type[BasePermission]] = [IsAuthenticated]
ADMINISTRATORS: list[type[BasePermission]] = [IsAuthenticated, IsAdministrator]


@strawberry.type(description="Entry points for changing things.")
class Mutation:
    """Root mutation type."""

    login = strawberry.mutation(
        resolver=login,
        description="Log in with email and password. Depending on the operator's policy this "
        "gives a session, asks for a code, or emails a two-factor setup link.",
    )
    verify_two_factor_code = strawberry.mutation(
        resolver=verify_two_factor_code,
        description="Second step of login: a TOTP or recovery code for the challenge token. "
        "Every attempt counts towards the operator's lock.",
    )
    logout = strawberry.mutation(
        resolver=logout,
        permission_classes=SIGNED_IN,
        description="End the current session.",
    )
    set_account_two_factor_default = strawberry.mutation(
        resolver=set_account_two_factor_default,
        permission_classes=ADMINISTRATORS,
        description="Set the account-wide two-factor mode (administrators).",
    )
    set_operator_two_factor_override = strawberry.mutation(
        resolver=set_operator_two_factor_override,
        permission_classes=ADMINISTRATORS,
        description="Override the account default for one operator (administrators).",
    )
    clear_operator_two_factor_override = strawberry.mutation(
        resolver=clear_operator_two_factor_override,
        permission_classes=ADMINISTRATORS,
        description="Let an operator follow the account default again (administrators).",
    )
    reset_operator_two_factor = strawberry.mutation(
        resolver=reset_operator_two_factor,
        permission_classes=ADMINISTRATORS,
        description="Remove an operator's authenticator, pending enrollment and recovery codes, "
        "and end their sessions (administrators).",
    )
    start_two_factor_enrollment = strawberry.mutation(
        resolver=start_two_factor_enrollment,
        description="Start setting up an authenticator: returns a fresh secret and its QR code. "
        "Needs a session or a setupToken.",
    )
    confirm_two_factor_enrollment = strawberry.mutation(
        resolver=confirm_two_factor_enrollment,
        description="Finish setting up an authenticator with its first code; returns the "
        "recovery codes once. With a setupToken, also logs the operator in.",
    )
    disable_two_factor = strawberry.mutation(
        resolver=disable_two_factor,
        permission_classes=SIGNED_IN,
        description="Turn off your own two-factor authentication (only under mode OPTIONAL), "
        "proven with a current code.",
    )
    regenerate_recovery_codes = strawberry.mutation(
        resolver=regenerate_recovery_codes,
        permission_classes=SIGNED_IN,
        description="Replace your recovery codes with ten new ones, proven with a current code.",
    )
    invite_operator = strawberry.mutation(
        resolver=invite_operator,
        permission_classes=ADMINISTRATORS,
        description="Invite someone into your account: creates an INVITED operator and emails "
        "them a link valid for 7 days (administrators). Inviting again sends a new link.",
    )
    accept_invitation = strawberry.mutation(
        resolver=accept_invitation,
        description="Accept an invitation: set the password (at least 12 characters) and "
        "activate the operator. Logs them in, or asks for two-factor setup first when their "
        "account requires it.",
    )
