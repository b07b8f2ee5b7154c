"""``createApiKey``: an administrator creates a machine credential for the account."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.enums import ApiKeyScope
from schema.errors import UserError
from schema.permissions import ADMINISTRATORS
from schema.types.api_key import ApiKeyNode
from services.api_keys import create_api_key as create


@strawberry.input(description="The new key's name, scopes and lifetime.")
class CreateApiKeyInput:
    """Arguments of ``createApiKey``."""

    name: str = strawberry.field(description="What the key is for (1 to 200 characters).")
    scopes: list[ApiKeyScope] = strawberry.field(description="What the key may do; one at least.")
    expires_in_days: int | None = strawberry.field(
        default=None, description="Days until the key expires, 1 to 365 (default 90)."
    )


@strawberry.type(description="Result of `createApiKey`.")
class CreateApiKeyPayload:
    """What ``createApiKey`` answers."""

    api_key: ApiKeyNode | None = strawberry.field(default=None, description="The new key.")
    secret: str | None = strawberry.field(
        default=None,
        description="The key's secret, shown this once: send it as `Authorization: Bearer "
        "<secret>`. Only its digest is stored; a lost secret means a new key.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why no key was created, if so."
    )


@mutation(
    CreateApiKeyPayload,
    description="Create an API key for your account (administrators). The key acts for the "
    "account, not as a person, within its scopes; it is audited, expires, and can be "
    "revoked.",
    permissions=ADMINISTRATORS,
    recent_authentication=True,
)
async def create_api_key(
    info: Info, input: Annotated[CreateApiKeyInput, INPUT]
) -> CreateApiKeyPayload:
    """Create a key and return it with its secret."""
    context = info.context
    key, secret = await create(
        context.deps, *context.require_session(), input.name, input.scopes, input.expires_in_days
    )
    return CreateApiKeyPayload(api_key=ApiKeyNode.from_model(key), secret=secret)
