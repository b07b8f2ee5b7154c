"""``login``: email and password, then a session, a code step or a setup email."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.auth.login import LoginInput, LoginPayload
from schema.context import Info
from schema.permissions import ANYONE
from schema.types.operator import OperatorNode
from services import login as login_service
from services.login import LoginOutcome


@mutation(
    LoginPayload,
    description="Log in with email and password. Depending on the operator's policy this "
    "gives a session, asks for a code, or emails a two-factor setup link.",
    permissions=ANYONE,
)
async def login(info: Info, input: Annotated[LoginInput, INPUT]) -> LoginPayload:
    """Check the credentials and report what the login led to."""
    context = info.context
    client = context.client
    result = await login_service.login(
        context.deps,
        input.email,
        input.password,
        client_address=client.ip_address,
        user_agent=client.user_agent,
    )
    signed_in = result.outcome is LoginOutcome.AUTHENTICATED
    return LoginPayload(
        outcome=result.outcome,
        session_token=result.session_token,
        challenge_token=result.challenge_token,
        # Nothing about the operator before the second factor: the password alone is not
        # enough to read their account, policy or recovery codes.
        viewer=OperatorNode.from_model(result.operator) if signed_in else None,
    )
