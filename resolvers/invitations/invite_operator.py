"""``inviteOperator``: an administrator invites someone by email."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.invitations.invite_operator import InviteOperatorInput, InviteOperatorPayload
from schema.permissions import ADMINISTRATORS
from schema.types.operator import OperatorNode
from services import invitations


@mutation(
    InviteOperatorPayload,
    description="Invite someone into your account: creates an INVITED operator and emails "
    "them a link valid for 7 days (administrators). Inviting again sends a new link.",
    permissions=ADMINISTRATORS,
)
async def invite_operator(
    info: Info, input: Annotated[InviteOperatorInput, INPUT]
) -> InviteOperatorPayload:
    """Create the invited operator and queue the invitation email."""
    context = info.context
    operator = await invitations.invite(
        context.deps,
        *context.require_session(),
        email=input.email,
        name=input.name,
        role=input.role,
        uses_single_sign_on=input.uses_single_sign_on,
    )
    return InviteOperatorPayload(operator=OperatorNode.from_model(operator))
