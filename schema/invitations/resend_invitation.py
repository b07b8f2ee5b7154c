"""Input and payload of `resendInvitation`: a new link for an open invitation."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.types.operator import OperatorNode


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
