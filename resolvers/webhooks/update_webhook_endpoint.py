"""``updateWebhookEndpoint``: change an endpoint's URL, event types, description or state."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.ids import decode_id
from schema.permissions import ADMINISTRATORS
from schema.types.webhook import WebhookEndpointNode
from services.webhooks.endpoints import update_endpoint


@strawberry.input(description="The endpoint and what to change; what is left out stays.")
class UpdateWebhookEndpointInput:
    """Arguments of ``updateWebhookEndpoint``."""

    endpoint_id: strawberry.ID = strawberry.field(description="Global id of the endpoint.")
    url: str | None = strawberry.field(default=None, description="A new https URL.")
    event_types: list[str] | None = strawberry.field(
        default=None, description="The event types to receive from now on."
    )
    description: str | None = strawberry.field(
        default=None, description="A new description (an empty one removes it)."
    )
    enabled: bool | None = strawberry.field(
        default=None,
        description="false stops deliveries (queued ones are given up when their turn "
        "comes); true starts them again, its failures forgotten.",
    )


@strawberry.type(description="Result of `updateWebhookEndpoint`.")
class UpdateWebhookEndpointPayload:
    """What ``updateWebhookEndpoint`` answers."""

    endpoint: WebhookEndpointNode | None = strawberry.field(
        default=None, description="The endpoint as changed."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing changed, if so."
    )


@mutation(
    UpdateWebhookEndpointPayload,
    description="Change a webhook endpoint of your account (administrators).",
    permissions=ADMINISTRATORS,
    recent_authentication=True,
)
async def update_webhook_endpoint(
    info: Info, input: Annotated[UpdateWebhookEndpointInput, INPUT]
) -> UpdateWebhookEndpointPayload:
    """Change the endpoint and return it."""
    context = info.context
    endpoint = await update_endpoint(
        context.deps,
        *context.require_session(),
        decode_id(input.endpoint_id, "WebhookEndpoint"),
        url=input.url,
        event_types=input.event_types,
        description=input.description,
        enabled=input.enabled,
    )
    return UpdateWebhookEndpointPayload(
        endpoint=WebhookEndpointNode.from_model(endpoint, context.now())
    )
