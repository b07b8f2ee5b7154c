"""``revokeInvitation``: withdraw an open invitation."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.ids import decode_id, encode_id
from schema.permissions import OPERATOR_MANAGERS
from services import invitations


@strawberry.input(description="Which invitation to withdraw.")
class RevokeInvitationInput:
    """Arguments of ``revokeInvitation``."""

    operator_id: strawberry.ID = strawberry.field(
        description="Global id of an operator of your account whose status is INVITED."
    )


@strawberry.type(description="Result of `revokeInvitation`.")
class RevokeInvitationPayload:
    """What ``revokeInvitation`` answers."""

    revoked_operator_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Global id of the invited operator, who no longer exists; null on failure.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was revoked, if so."
    )


@mutation(
    RevokeInvitationPayload,
    description="Withdraw the invitation of an operator of your account who has not accepted it "
    "yet: the invited operator is deleted and their link stops working (administrators, "
    "or API keys with MANAGE_OPERATORS, which need no recent authentication).",
    permissions=OPERATOR_MANAGERS,
    recent_authentication=True,
)
async def revoke_invitation(
    info: Info, input: Annotated[RevokeInvitationInput, INPUT]
) -> RevokeInvitationPayload:
    """Delete the invited operator."""
    context = info.context
    revoked = await invitations.revoke(
        context.deps, context.require_acting(), decode_id(input.operator_id, "Operator")
    )
    return RevokeInvitationPayload(
        revoked_operator_id=strawberry.ID(encode_id("Operator", revoked))
    )
