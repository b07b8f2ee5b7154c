"""``revokeApiKey``: an administrator ends one of the account's API keys at once."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.ids import decode_id
from schema.permissions import ADMINISTRATORS
from schema.types.api_key import ApiKeyNode
from services.api_keys import revoke_api_key as revoke


@strawberry.input(description="The key to revoke.")
class RevokeApiKeyInput:
    """Arguments of ``revokeApiKey``."""

    api_key_id: strawberry.ID = strawberry.field(description="Global id of a key of your account.")


@strawberry.type(description="Result of `revokeApiKey`.")
class RevokeApiKeyPayload:
    """What ``revokeApiKey`` answers."""

    api_key: ApiKeyNode | None = strawberry.field(
        default=None, description="The key, revoked (`revokedAt` set)."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why no key was revoked, if so."
    )


@mutation(
    RevokeApiKeyPayload,
    description="Revoke an API key of your account (administrators): every process refuses "
    "it from the next request on. Revoking a revoked key changes nothing.",
    permissions=ADMINISTRATORS,
    recent_authentication=True,
)
async def revoke_api_key(
    info: Info, input: Annotated[RevokeApiKeyInput, INPUT]
) -> RevokeApiKeyPayload:
    """Revoke a key of the caller's account."""
    context = info.context
    key = await revoke(
        context.deps, *context.require_session(), decode_id(input.api_key_id, "ApiKey")
    )
    return RevokeApiKeyPayload(api_key=ApiKeyNode.from_model(key))
