"""``revokeOperatorSessions``: end every session of an operator."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.ids import decode_id
from schema.permissions import SIGNED_IN
from schema.sessions.revoke_operator_sessions import (
    RevokeOperatorSessionsInput,
    RevokeOperatorSessionsPayload,
)
from schema.types.operator import OperatorNode
from services import session_management


@mutation(
    RevokeOperatorSessionsPayload,
    description="End every session of an operator of your account (administrators), or all "
    "of your own but the current one (log out everywhere else).",
    permissions=SIGNED_IN,
)
async def revoke_operator_sessions(
    info: Info, input: Annotated[RevokeOperatorSessionsInput, INPUT]
) -> RevokeOperatorSessionsPayload:
    """End the operator's sessions and say how many."""
    context = info.context
    operator, count = await session_management.revoke_operator_sessions(
        context.deps, *context.require_session(), decode_id(input.operator_id, "Operator")
    )
    return RevokeOperatorSessionsPayload(
        operator=OperatorNode.from_model(operator), revoked_count=count
    )
