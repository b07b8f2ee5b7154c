"""The root ``Mutation`` type: every change goes through one of these fields."""

from __future__ import annotations

import strawberry
from strawberry.permission import BasePermission

from resolvers.auth.login import login
from resolvers.auth.logout import logout
from resolvers.policy.clear_operator_two_factor_override import (
    clear_operator_two_factor_override,
)
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
