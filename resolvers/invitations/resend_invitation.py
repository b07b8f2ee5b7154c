"""``resendInvitation``: a new link for an open invitation."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.ids import decode_id
from schema.permissions import OPERATOR_MANAGERS
from schema.types.operator import OperatorNode
from services import invitations


@strawberry.input(description="Whose invitation to send again.")
class ResendInvitationInput:
    """Arguments of ``resendInvitation``."""

    operator_id: strawberry.ID = strawberry.field(
        description="Global id of an operator of your account whose status is INVITED."
    )


@strawberry.type(description="Result of `resendInvitation`.")
class ResendInvitationPayload:
    """What ``resendInvitation`` answers."""

    operator: OperatorNode | None = strawberry.field(
        default=None,
        description="The invited operator, with the new invitedAt and invitationExpiresAt.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was sent, if so."
    )


@mutation(
    ResendInvitationPayload,
    description="Email an invited operator of your account a new invitation link, valid for 7 "
    "days; the link sent before stops working (administrators, or API keys with "
    "MANAGE_OPERATORS, which need no recent authentication).",
    permissions=OPERATOR_MANAGERS,
    recent_authentication=True,
)
async def resend_invitation(
    info: Info, input: Annotated[ResendInvitationInput, INPUT]
) -> ResendInvitationPayload:
    """Replace the invitation link and queue the email."""
    context = info.context
    operator = await invitations.resend(
        context.deps, context.require_acting(), decode_id(input.operator_id, "Operator")
    )
    return ResendInvitationPayload(operator=OperatorNode.from_model(operator))
