"""Input and payload of `revokeOperatorSessions`: end all of an operator's sessions."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.types.operator import OperatorNode


@strawberry.input(description="Whose sessions to end.")
class RevokeOperatorSessionsInput:
    """Arguments of ``revokeOperatorSessions``."""

    operator_id: strawberry.ID = strawberry.field(
        description="Global id of an operator of your account (administrators), or your own "
        "(then every session but the current one ends)."
    )


@strawberry.type(description="Result of `revokeOperatorSessions`.")
class RevokeOperatorSessionsPayload:
    """What ``revokeOperatorSessions`` answers."""

    operator: OperatorNode | None = strawberry.field(
        default=None, description="The operator whose sessions ended."
    )
    revoked_count: int | None = strawberry.field(
        default=None, description="How many sessions ended."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was ended, if so."
    )
