"""``inviteOperator``: an administrator invites someone by email."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.enums import OperatorRole
from schema.errors import UserError
from schema.permissions import OPERATOR_MANAGERS
from schema.types.operator import OperatorNode
from services import invitations


@strawberry.input(description="Who to invite into the administrator's account.")
class InviteOperatorInput:
    """Arguments of ``inviteOperator``."""

    email: str = strawberry.field(description="Their email; the invitation link goes there.")
    name: str = strawberry.field(
        description="Their display name (they may change it on accepting)."
    )
    role: OperatorRole = strawberry.field(
        default=OperatorRole.BASIC, description="What they may do."
    )
    uses_single_sign_on: bool = strawberry.field(
        default=False, description="They will sign in through single sign-on (TOTP never applies)."
    )


@strawberry.type(description="Result of `inviteOperator`.")
class InviteOperatorPayload:
    """What ``inviteOperator`` answers."""

    operator: OperatorNode | None = strawberry.field(
        default=None, description="The invited operator, with status INVITED."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the invitation was refused, if it was."
    )


@mutation(
    InviteOperatorPayload,
    description="Invite someone into your account: creates an INVITED operator and emails them a "
    "link valid for 7 days (administrators, or API keys with MANAGE_OPERATORS, which "
    "need no recent authentication). Inviting again sends a new link.",
    permissions=OPERATOR_MANAGERS,
    recent_authentication=True,
)
async def invite_operator(
    info: Info, input: Annotated[InviteOperatorInput, INPUT]
) -> InviteOperatorPayload:
    """Create the invited operator and queue the invitation email."""
    context = info.context
    operator = await invitations.invite(
        context.deps,
        context.require_acting(),
        email=input.email,
        name=input.name,
        role=input.role,
        uses_single_sign_on=input.uses_single_sign_on,
    )
    return InviteOperatorPayload(operator=OperatorNode.from_model(operator))
