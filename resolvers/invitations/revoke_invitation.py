"""``revokeInvitation``: withdraw an open invitation."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation import INPUT, mutation
from schema.context import Info
from schema.ids import decode_id, encode_id
from schema.invitations.revoke_invitation import RevokeInvitationInput, RevokeInvitationPayload
from schema.permissions import ADMINISTRATORS
from services import invitations


@mutation(
    RevokeInvitationPayload,
    description="Withdraw the invitation of an operator of your account who has not accepted "
    "it yet: the invited operator is deleted and their link stops working (administrators).",
    permissions=ADMINISTRATORS,
)
async def revoke_invitation(
    info: Info, input: Annotated[RevokeInvitationInput, INPUT]
) -> RevokeInvitationPayload:
    """Delete the invited operator."""
    context = info.context
    revoked = await invitations.revoke(
        context.deps, *context.require_session(), decode_id(input.operator_id, "Operator")
    )
    return RevokeInvitationPayload(
        revoked_operator_id=strawberry.ID(encode_id("Operator", revoked))
    )
