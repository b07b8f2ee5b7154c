"""Input and payload of `inviteOperator`: an administrator invites someone by email."""

from __future__ import annotations

import strawberry

from schema.enums import OperatorRole
from schema.errors import UserError
from schema.types.operator import OperatorNode


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
