"""Input and payload of `revokeInvitation`: withdraw an open invitation."""

from __future__ import annotations

import strawberry

from schema.errors import UserError


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
