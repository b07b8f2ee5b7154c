"""``issueTemporaryAccessPass``: let a locked-out operator log in once without their factor."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.ids import decode_id
from schema.permissions import ADMINISTRATORS
from services.auth import temporary_access_pass


@strawberry.input(description="Whom the pass is for, and for how long.")
class IssueTemporaryAccessPassInput:
    """Arguments of ``issueTemporaryAccessPass``."""

    operator_id: strawberry.ID = strawberry.field(
        description="Global id of another operator of your account."
    )
    valid_for_minutes: int | None = strawberry.field(
        default=None, description="10 to 43,200 (30 days); default 60."
    )


@strawberry.type(description="Result of `issueTemporaryAccessPass`.")
class IssueTemporaryAccessPassPayload:
    """What ``issueTemporaryAccessPass`` answers."""

    pass_: str | None = strawberry.field(
        name="pass",
        default=None,
        description="The pass, shown this once: give it to the operator yourself.",
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="Until when the pass works (once)."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why no pass was issued, if none was."
    )


@mutation(
    IssueTemporaryAccessPassPayload,
    description="Issue a temporary access pass to an operator of your account "
    "(administrators only, never for themselves; API keys may not): while it is valid "
    "their login asks for the code step even with nothing set up, and the pass works once "
    "there in place of a code. It voids their previous pass; they are emailed (without the "
    "pass). Refused with NOT_ALLOWED_BY_POLICY for yourself, an operator who is not active, "
    "signs in through single sign-on, or from whom two-factor authentication is not asked.",
    permissions=ADMINISTRATORS,
    recent_authentication=True,
)
async def issue_temporary_access_pass(
    info: Info, input: Annotated[IssueTemporaryAccessPassInput, INPUT]
) -> IssueTemporaryAccessPassPayload:
    """Issue a pass to an operator of the caller's account."""
    context = info.context
    operator, session = context.require_session()
    minutes = input.valid_for_minutes
    issued = await temporary_access_pass.issue(
        context.deps,
        operator,
        session,
        decode_id(input.operator_id, "Operator"),
        temporary_access_pass.DEFAULT_MINUTES if minutes is None else minutes,
    )
    return IssueTemporaryAccessPassPayload(pass_=issued.value, expires_at=issued.expires_at)
