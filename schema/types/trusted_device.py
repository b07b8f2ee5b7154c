"""The ``TrustedDevice`` type: a browser remembered at the second factor."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from models import TrustedDevice


@strawberry.type(
    name="TrustedDevice",
    description="A browser where the operator chose not to be asked for the second factor "
    "again (rememberDevice), until it expires or is forgotten.",
)
class TrustedDeviceNode(relay.Node):
    """The GraphQL view of a trusted device (never its token)."""

    id: relay.NodeID[int]
    created_at: datetime = strawberry.field(description="When it was remembered.")
    last_used_at: datetime | None = strawberry.field(
        description="When a login last skipped the second factor with it; null if never."
    )
    expires_at: datetime = strawberry.field(
        description="When it stops standing for the second factor."
    )
    ip_address: str | None = strawberry.field(
        description="The client's address when it was remembered."
    )
    user_agent: str | None = strawberry.field(
        description="The client's User-Agent when it was remembered."
    )

    @classmethod
    def from_model(cls, device: TrustedDevice) -> TrustedDeviceNode:
        """Build the GraphQL object from the stored device."""
        return cls(
            id=device.id,
            created_at=device.created_at,
            last_used_at=device.last_used_at,
            expires_at=device.expires_at,
            ip_address=device.ip_address,
            user_agent=device.user_agent,
        )
