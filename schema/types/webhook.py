"""The ``WebhookEndpoint`` and ``WebhookDelivery`` types: where events go, and how it went."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from models import WebhookDelivery, WebhookEndpoint
from schema.enums import WebhookDeliveryStatus
from schema.pagination import NewestFirstSize, OlderThan, Window, newest_first_page
from services.webhooks.deliveries import deliveries_page

DELIVERY_CURSOR = "WebhookDelivery"
"""The type name in the cursors of an endpoint's deliveries."""


@strawberry.type(
    name="WebhookDelivery",
    description="One event sent, or to be sent, to one endpoint. Its body is fixed when the "
    "event happens; a redelivery is a new entry with the same `eventId`.",
)
class WebhookDeliveryNode(relay.Node):
    """The GraphQL view of a delivery."""

    id: relay.NodeID[int]
    event_type: str = strawberry.field(description="The event's type, e.g. `operator.invited`.")
    event_id: str = strawberry.field(
        description="The event's id, sent as `webhook-id`: the same for every endpoint and "
        "redelivery, so that receivers can drop duplicates."
    )
    status: WebhookDeliveryStatus = strawberry.field(description="Where the delivery stands.")
    attempts: int = strawberry.field(description="Attempts made so far.")
    last_attempt_at: datetime | None = strawberry.field(description="When it was last tried.")
    next_attempt_at: datetime | None = strawberry.field(
        description="When it is tried next; null once it succeeded or was given up."
    )
    response_status: int | None = strawberry.field(
        description="The HTTP status the endpoint last answered; null when no answer came."
    )
    last_error: str | None = strawberry.field(
        description="Why the last attempt failed (a status, a timeout, a refused address)."
    )
    created_at: datetime = strawberry.field(description="When the delivery was queued.")

    @classmethod
    def from_model(cls, delivery: WebhookDelivery) -> WebhookDeliveryNode:
        """Build the GraphQL object from the stored delivery."""
        return cls(
            id=delivery.id,
            event_type=delivery.event_type,
            event_id=delivery.event_id,
            status=WebhookDeliveryStatus(delivery.status),
            attempts=delivery.attempts,
            last_attempt_at=delivery.last_attempt_at,
            next_attempt_at=delivery.next_attempt_at,
            response_status=delivery.response_status,
            last_error=delivery.last_error,
            created_at=delivery.created_at,
        )


@strawberry.type(
    name="WebhookDeliveryConnection", description="A page of deliveries, newest first."
)
class WebhookDeliveryConnection(relay.Connection[WebhookDeliveryNode]):
    """A Relay connection over an endpoint's deliveries."""


@strawberry.type(
    name="WebhookEndpoint",
    description="A URL of the account's that receives events, signed as the Standard "
    "Webhooks specification says (never its secret).",
)
class WebhookEndpointNode(relay.Node):
    """The GraphQL view of an endpoint."""

    id: relay.NodeID[int]
    url: str = strawberry.field(description="Where deliveries are POSTed.")
    description: str | None = strawberry.field(description="What the endpoint is for.")
    event_types: list[str] = strawberry.field(description="The event types it receives.")
    enabled: bool = strawberry.field(
        description="Whether events are sent to it; it is disabled by itself after 24 hours "
        "in which every delivery failed."
    )
    created_at: datetime = strawberry.field(description="When the endpoint was added.")
    disabled_at: datetime | None = strawberry.field(
        description="When it was disabled, by an administrator or after failing; null while "
        "enabled."
    )
    failing_since: datetime | None = strawberry.field(
        description="The first failed attempt since the last success; null while it succeeds."
    )
    secret_rotated_until: datetime | None = strawberry.field(
        description="Until then the secret before the last rotation signs beside the current "
        "one (two `v1,` signatures); null when only one secret signs."
    )

    @classmethod
    def from_model(cls, endpoint: WebhookEndpoint, now: datetime) -> WebhookEndpointNode:
        """Build the GraphQL object from the stored endpoint."""
        overlap = endpoint.previous_secret_expires_at
        return cls(
            id=endpoint.id,
            url=endpoint.url,
            description=endpoint.description,
            event_types=list(endpoint.event_types),
            enabled=endpoint.enabled,
            created_at=endpoint.created_at,
            disabled_at=endpoint.disabled_at,
            failing_since=endpoint.failing_since,
            secret_rotated_until=overlap if overlap is not None and overlap > now else None,
        )

    @strawberry.field(description="The endpoint's deliveries, newest first.")
    async def deliveries(
        self, first: NewestFirstSize = None, after: OlderThan = None
    ) -> WebhookDeliveryConnection:
        """Return one page of the endpoint's delivery log."""
        window = Window.of(DELIVERY_CURSOR, first, after, None, None)
        rows, more = await deliveries_page(self.id, before_id=window.after_id, limit=window.limit)
        edges, page = newest_first_page(
            DELIVERY_CURSOR, window, rows, more, WebhookDeliveryNode.from_model
        )
        return WebhookDeliveryConnection(edges=edges, page_info=page)


@strawberry.type(
    name="WebhookEndpointConnection", description="A page of webhook endpoints, newest first."
)
class WebhookEndpointConnection(relay.Connection[WebhookEndpointNode]):
    """A Relay connection over an account's webhook endpoints."""
