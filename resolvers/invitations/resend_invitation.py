"""``resendInvitation``: a new link for an open invitation."""

from __future__ import annotations

from typing import Annotated

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.ids import decode_id
from schema.invitations.resend_invitation import ResendInvitationInput, ResendInvitationPayload
from schema.permissions import ADMINISTRATORS
from schema.types.operator import OperatorNode
from services import invitations


@mutation(
    ResendInvitationPayload,
    description="Email an invited operator of your account a new invitation link, valid for "
    "7 days; the link sent before stops working (administrators).",
    permissions=ADMINISTRATORS,
)
async def resend_invitation(
    info: Info, input: Annotated[ResendInvitationInput, INPUT]
) -> ResendInvitationPayload:
    """Replace the invitation link and queue the email."""
    context = info.context
    operator = await invitations.resend(
        context.deps, *context.require_session(), decode_id(input.operator_id, "Operator")
    )
    context.loaders.forget_operator(operator.id)
    return ResendInvitationPayload(operator=OperatorNode.from_model(operator))
