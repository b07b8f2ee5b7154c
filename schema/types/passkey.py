"""The ``Passkey`` type: a WebAuthn credential of an operator (never its key material)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from models import Passkey


@strawberry.type(
    name="Passkey", description="A passkey or security key an operator uses as a second factor."
)
class PasskeyNode(relay.Node):
    """The GraphQL view of a passkey."""

    id: relay.NodeID[int]
    name: str = strawberry.field(description="The operator's name for it.")
    created_at: datetime = strawberry.field(description="When it was registered.")
    last_used_at: datetime | None = strawberry.field(
        description="When a login or reauthentication last accepted it; null if never."
    )

    @classmethod
    def from_model(cls, passkey: Passkey) -> PasskeyNode:
        """Build the GraphQL object from the stored passkey."""
        return cls(
            id=passkey.id,
            name=passkey.name,
            created_at=passkey.created_at,
            last_used_at=passkey.last_used_at,
        )
