"""``removePasskey``: the operator removes one of their passkeys."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.ids import decode_id
from schema.permissions import SIGNED_IN
from schema.types.operator import OperatorNode
from services.passkeys import removal


@strawberry.input(description="The passkey to remove.")
class RemovePasskeyInput:
    """Arguments of ``removePasskey``."""

    passkey_id: strawberry.ID = strawberry.field(description="Global id of one of your passkeys.")


@strawberry.type(description="Result of `removePasskey`.")
class RemovePasskeyPayload:
    """What ``removePasskey`` answers."""

    operator: OperatorNode | None = strawberry.field(
        default=None, description="The operator, without the passkey."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@mutation(
    RemovePasskeyPayload,
    description="Remove one of your passkeys; your other sessions end. Removing your last "
    "second factor turns two-factor authentication off, which only mode OPTIONAL allows.",
    permissions=SIGNED_IN,
    recent_authentication=True,
)
async def remove_passkey(
    info: Info, input: Annotated[RemovePasskeyInput, INPUT]
) -> RemovePasskeyPayload:
    """Remove the caller's passkey."""
    context = info.context
    operator = await removal.remove(
        context.deps, *context.require_session(), decode_id(input.passkey_id, "Passkey")
    )
    return RemovePasskeyPayload(operator=OperatorNode.from_model(operator))
