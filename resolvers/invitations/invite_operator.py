"""``inviteOperator``: an administrator invites someone by email."""

from __future__ import annotations

from typing import Annotated

from resolvers.errors import returns_user_errors
from schema.context import Info
from schema.mutations import INPUT
from schema.mutations.invitations import InviteOperatorInput, InviteOperatorPayload
from schema.types.operator import OperatorNode
from services import invitations


@returns_user_errors(InviteOperatorPayload)
async def invite_operator(
    info: Info, input: Annotated[InviteOperatorInput, INPUT]
) -> InviteOperatorPayload:
    """Create the invited operator and queue the invitation email."""
    context = info.context
    operator = await invitations.invite(
        context.require_viewer(),
        email=input.email,
        name=input.name,
        role=input.role,
        uses_single_sign_on=input.uses_single_sign_on,
        outbox=context.deps.outbox,
        now=context.now(),
    )
    return InviteOperatorPayload(operator=OperatorNode.from_model(operator))
