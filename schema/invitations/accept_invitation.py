"""Input and payload of `acceptInvitation`: set a password from the invitation link."""

from __future__ import annotations

import strawberry

from schema.enums import AcceptInvitationOutcome
from schema.errors import UserError
from schema.types.operator import OperatorNode


@strawberry.input(description="The invitation link's token and the new operator's password.")
class AcceptInvitationInput:
    """Arguments of ``acceptInvitation``."""

    invitation_token: str = strawberry.field(description="The token from the invitation link.")
    password: str | None = strawberry.field(
        default=None,
        description="The password to set, at least 12 characters. Required, except for a "
        "single-sign-on operator, who gets no password (one given is ignored).",
    )
    name: str | None = strawberry.field(
        default=None, description="Display name, if it should differ from the invitation's."
    )


@strawberry.type(description="Result of `acceptInvitation`.")
class AcceptInvitationPayload:
    """What ``acceptInvitation`` answers."""

    outcome: AcceptInvitationOutcome | None = strawberry.field(
        default=None, description="Logged in, or two-factor setup comes first; null on failure."
    )
    session_token: str | None = strawberry.field(
        default=None, description="Bearer token, with outcome AUTHENTICATED."
    )
    setup_token: str | None = strawberry.field(
        default=None,
        description="With TWO_FACTOR_SETUP_REQUIRED: pass it to startTwoFactorEnrollment and "
        "confirmTwoFactorEnrollment (valid 30 minutes); confirming logs the operator in.",
    )
    viewer: OperatorNode | None = strawberry.field(
        default=None, description="The operator who accepted."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why accepting failed, if it did."
    )
