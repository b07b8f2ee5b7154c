"""``login``: email and password, then a session, a code step or a setup email."""

from __future__ import annotations

from typing import Annotated

from resolvers.errors import returns_user_errors
from schema.context import Info
from schema.mutations import INPUT
from schema.mutations.auth import LoginInput, LoginPayload
from schema.types.operator import OperatorNode
from services import login as login_service


@returns_user_errors(LoginPayload)
async def login(info: Info, input: Annotated[LoginInput, INPUT]) -> LoginPayload:
    """Check the credentials and report what the login led to."""
    deps = info.context.deps
    result = await login_service.login(
        input.email,
        input.password,
        hasher=deps.hasher,
        outbox=deps.outbox,
        now=deps.clock.now(),
        client_address=info.context.client_address,
    )
    return LoginPayload(
        outcome=result.outcome,
        session_token=result.session_token,
        challenge_token=result.challenge_token,
        viewer=OperatorNode.from_model(result.operator),
    )
