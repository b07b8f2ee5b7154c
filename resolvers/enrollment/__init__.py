"""Resolvers of enrollment and of the operator's own authenticator settings."""

from __future__ import annotations

from models import OneTimeToken, Operator
from schema.context import Context
from services.enrollment import operator_for_setup_token


async def enrolling_operator(
    context: Context, setup_token: str | None
) -> tuple[Operator, OneTimeToken | None]:
    """Return the operator a setup token stands for (and its row), or the session's operator.

    Without a setup token and without a session this raises the top-level UNAUTHENTICATED.
    """
    if setup_token is not None:
        return await operator_for_setup_token(setup_token, context.now())
    return context.require_viewer(), None
