"""``acceptInvitation``: set a password from the invitation link."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.enums import AcceptInvitationOutcome
from schema.errors import UserError
from schema.permissions import ANYONE
from schema.types.operator import OperatorNode
from services import invitations


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


@mutation(
    AcceptInvitationPayload,
    description="Accept an invitation: set the password (at least 12 characters) and activate the "
    "operator. Logs them in, or asks for two-factor setup first when their account "
    "requires it.",
    permissions=ANYONE,
)
async def accept_invitation(
    info: Info, input: Annotated[AcceptInvitationInput, INPUT]
) -> AcceptInvitationPayload:
    """Activate the invited operator; log them in or hand them a setup token."""
    context = info.context
    accepted = await invitations.accept(
        context.deps, input.invitation_token, input.password, input.name
    )
    return AcceptInvitationPayload(
        outcome=accepted.outcome,
        session_token=accepted.session_token,
        setup_token=accepted.setup_token,
        viewer=OperatorNode.from_model(accepted.operator),
    )
