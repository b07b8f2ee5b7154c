"""The ``ApiKey`` type: an account's machine credential, never its secret."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from models import ApiKey
from schema.context import Info
from schema.enums import ApiKeyScope
from schema.types.operator_ref import OperatorRef, readable_operator
from services.api_keys import scopes_of


@strawberry.type(name="ApiKey", description="An API key of the account (never its secret).")
class ApiKeyNode(relay.Node):
    """The GraphQL view of an API key."""

    id: relay.NodeID[int]
    name: str = strawberry.field(description="What the key is for, as its creator named it.")
    scopes: list[ApiKeyScope] = strawberry.field(description="What the key may do.")
    prefix: str = strawberry.field(
        description="The secret's first characters, to tell keys apart (the secret itself "
        "is shown once, when the key is created)."
    )
    created_at: datetime = strawberry.field(description="When the key was created.")
    expires_at: datetime = strawberry.field(description="After this the key is refused.")
    last_used_at: datetime | None = strawberry.field(
        description="When a request last used the key (updated at most once a minute)."
    )
    last_used_address: str | None = strawberry.field(
        description="The client address of that request, if known."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When an administrator revoked the key; it is refused from then on."
    )
    created_by_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, key: ApiKey) -> ApiKeyNode:
        """Build the GraphQL object from the stored key."""
        return cls(
            id=key.id,
            name=key.name,
            scopes=scopes_of(key),
            prefix=key.prefix,
            created_at=key.created_at,
            expires_at=key.expires_at,
            last_used_at=key.last_used_at,
            last_used_address=key.last_used_address,
            revoked_at=key.revoked_at,
            created_by_id=key.created_by_id,
        )

    @strawberry.field(
        description="The administrator who created the key; null once removed, or for a key "
        "without READ_OPERATORS."
    )
    async def created_by(self, info: Info) -> OperatorRef | None:
        """Load the creator (batched per request), if the caller may read them."""
        return await readable_operator(info, self.created_by_id)


@strawberry.type(name="ApiKeyConnection", description="A page of API keys, newest first.")
class ApiKeyConnection(relay.Connection[ApiKeyNode]):
    """A Relay connection over an account's API keys."""
