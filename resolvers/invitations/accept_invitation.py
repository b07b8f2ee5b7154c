"""``acceptInvitation``: set a password from the invitation link."""

from __future__ import annotations

from typing import Annotated

from resolvers.errors import returns_user_errors
from schema.context import Info
from schema.mutations import INPUT
from schema.mutations.invitations import AcceptInvitationInput, AcceptInvitationPayload
from schema.types.operator import OperatorNode
from services import invitations


@returns_user_errors(AcceptInvitationPayload)
async def accept_invitation(
    info: Info, input: Annotated[AcceptInvitationInput, INPUT]
) -> AcceptInvitationPayload:
    """Activate the invited operator; log them in or hand them a setup token."""
    context = info.context
    accepted = await invitations.accept(
        input.invitation_token,
        input.password,
        input.name,
        hasher=context.deps.hasher,
        now=context.now(),
    )
    context.loaders.forget_operator(accepted.operator.id)
    return AcceptInvitationPayload(
        outcome=accepted.outcome,
        session_token=accepted.session_token,
        setup_token=accepted.setup_token,
        viewer=OperatorNode.from_model(accepted.operator),
    )
