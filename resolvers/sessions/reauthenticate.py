"""``reauthenticate``: renew the current session's recent authentication."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.permissions import SIGNED_IN
from schema.types.session import SessionNode
from services.sessions.reauthentication import reauthenticate as renew


@strawberry.input(
    description="The password, and a code or a passkey's assertion when two-factor is set up."
)
class ReauthenticateInput:
    """Arguments of ``reauthenticate``."""

    password: str = strawberry.field(description="The operator's password.")
    code: str | None = strawberry.field(
        default=None,
        description="A code from the authenticator app, or a recovery code; when "
        "two-factor authentication is set up, this or credential is required.",
    )
    credential: JSON | None = strawberry.field(
        default=None,
        description="Instead of code: a passkey's assertion (WebAuthn Level 3 JSON) over the "
        "options from startPasskeyReauthentication.",
    )


@strawberry.type(description="Result of `reauthenticate`.")
class ReauthenticatePayload:
    """What ``reauthenticate`` answers."""

    session: SessionNode | None = strawberry.field(
        default=None, description="The current session, with its authentication renewed."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it failed, if it did."
    )


@mutation(
    ReauthenticatePayload,
    description="Prove who you are again (password, and a code or a passkey when two-factor "
    "is set up) so "
    "that the current session may do sensitive things for the next two hours. Attempts "
    "count towards the same locks as logins.",
    permissions=SIGNED_IN,
)
async def reauthenticate(
    info: Info, input: Annotated[ReauthenticateInput, INPUT]
) -> ReauthenticatePayload:
    """Check the password (and code) and renew the session."""
    context = info.context
    operator, session = context.require_session()
    renewed = await renew(
        context.deps, operator, session, input.password, input.code, input.credential
    )
    return ReauthenticatePayload(session=SessionNode.from_model(renewed))
