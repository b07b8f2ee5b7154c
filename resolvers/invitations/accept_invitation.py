"""``acceptInvitation``: set a password from the invitation link."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.invitations.accept_invitation import AcceptInvitationInput, AcceptInvitationPayload
from schema.permissions import ANYONE
from schema.types.operator import OperatorNode
from services import invitations


@mutation(
    AcceptInvitationPayload,
    description="Accept an invitation: set the password (at least 12 characters) and "
    "activate the operator. Logs them in, or asks for two-factor setup first when their "
    "account requires it.",
    permissions=ANYONE,
)
async def accept_invitation(
    info: Info, input: Annotated[AcceptInvitationInput, INPUT]
) -> AcceptInvitationPayload:
    """Activate the invited operator; log them in or hand them a setup token."""
    context = info.context
    accepted = await invitations.accept(
        context.deps, input.invitation_token, input.password, input.name, client=context.client
    )
    context.loaders.forget_operator(accepted.operator.id)
    return AcceptInvitationPayload(
        outcome=accepted.outcome,
        session_token=accepted.session_token,
        setup_token=accepted.setup_token,
        viewer=OperatorNode.from_model(accepted.operator),
    )
