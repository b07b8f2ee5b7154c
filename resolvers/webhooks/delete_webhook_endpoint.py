"""``deleteWebhookEndpoint``: remove an endpoint and its delivery log."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.ids import decode_id, encode_id
from schema.permissions import ADMINISTRATORS
from services.webhooks.endpoints import delete_endpoint


@strawberry.input(description="The endpoint to delete.")
class DeleteWebhookEndpointInput:
    """Arguments of ``deleteWebhookEndpoint``."""

    endpoint_id: strawberry.ID = strawberry.field(description="Global id of the endpoint.")


@strawberry.type(description="Result of `deleteWebhookEndpoint`.")
class DeleteWebhookEndpointPayload:
    """What ``deleteWebhookEndpoint`` answers."""

    deleted_endpoint_id: strawberry.ID | None = strawberry.field(
        default=None, description="The global id of the endpoint that was deleted."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was deleted, if so."
    )


@mutation(
    DeleteWebhookEndpointPayload,
    description="Delete a webhook endpoint of your account and its delivery log "
    "(administrators); nothing more is sent to it.",
    permissions=ADMINISTRATORS,
    recent_authentication=True,
)
async def delete_webhook_endpoint(
    info: Info, input: Annotated[DeleteWebhookEndpointInput, INPUT]
) -> DeleteWebhookEndpointPayload:
    """Delete the endpoint and return its id."""
    context = info.context
    endpoint = await delete_endpoint(
        context.deps, *context.require_session(), decode_id(input.endpoint_id, "WebhookEndpoint")
    )
    return DeleteWebhookEndpointPayload(
        deleted_endpoint_id=strawberry.ID(encode_id("WebhookEndpoint", endpoint.id))
    )
