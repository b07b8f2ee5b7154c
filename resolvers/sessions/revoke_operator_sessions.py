"""``revokeOperatorSessions``: end every session of an operator."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.ids import decode_id
from schema.permissions import SESSION_ENDERS
from schema.types.operator import OperatorNode
from services.sessions import management as session_management


@strawberry.input(description="Whose sessions to end.")
class RevokeOperatorSessionsInput:
    """Arguments of ``revokeOperatorSessions``."""

    operator_id: strawberry.ID = strawberry.field(
        description="Global id of an operator of your account (administrators), or your own "
        "(then every session but the current one ends)."
    )


@strawberry.type(description="Result of `revokeOperatorSessions`.")
class RevokeOperatorSessionsPayload:
    """What ``revokeOperatorSessions`` answers."""

    operator: OperatorNode | None = strawberry.field(
        default=None, description="The operator whose sessions ended."
    )
    revoked_count: int | None = strawberry.field(
        default=None, description="How many sessions ended."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was ended, if so."
    )


@mutation(
    RevokeOperatorSessionsPayload,
    description="End every session of an operator of your account (administrators, or API keys "
    "with MANAGE_OPERATORS), or all of your own but the current one (log out everywhere "
    "else).",
    permissions=SESSION_ENDERS,
    recent_authentication=True,
)
async def revoke_operator_sessions(
    info: Info, input: Annotated[RevokeOperatorSessionsInput, INPUT]
) -> RevokeOperatorSessionsPayload:
    """End the operator's sessions and say how many."""
    context = info.context
    operator, count = await session_management.revoke_operator_sessions(
        context.deps, context.require_acting(), decode_id(input.operator_id, "Operator")
    )
    return RevokeOperatorSessionsPayload(
        operator=OperatorNode.from_model(operator), revoked_count=count
    )
