"""Resolvers of enrollment and of the operator's own authenticator settings."""

from __future__ import annotations

from models import Operator
from schema.context import Context
from services.enrollment import Proof, operator_for_setup_token

SETUP_TOKEN_HELP = (
    "Token from a setup email link or from acceptInvitation; without it, the session's "  # noqa: S105
    "operator enrolls."
)
"""Description of the ``setupToken`` input field of the enrollment mutations."""


async def enrolling_operator(context: Context, setup_token: str | None) -> tuple[Operator, Proof]:
    """Return who enrolls and their proof: a setup token's row, or else the session.

    Without a setup token and without a session this raises the top-level UNAUTHENTICATED.
    """
    if setup_token is not None:
        return await operator_for_setup_token(setup_token, context.now())
    return context.require_session()
