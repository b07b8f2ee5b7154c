"""``createWebhookEndpoint``: an administrator adds a URL that receives the account's events."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.permissions import ADMINISTRATORS
from schema.types.webhook import WebhookEndpointNode
from services.webhooks.endpoints import create_endpoint


@strawberry.input(description="Where to send events, and which.")
class CreateWebhookEndpointInput:
    """Arguments of ``createWebhookEndpoint``."""

    url: str = strawberry.field(
        description="An https URL whose host resolves to public addresses only."
    )
    event_types: list[str] = strawberry.field(
        description="The event types to receive (one at least), e.g. `operator.invited`, "
        "`two_factor.reset`."
    )
    description: str | None = strawberry.field(
        default=None, description="What the endpoint is for (at most 500 characters)."
    )


@strawberry.type(description="Result of `createWebhookEndpoint`.")
class CreateWebhookEndpointPayload:
    """What ``createWebhookEndpoint`` answers."""

    endpoint: WebhookEndpointNode | None = strawberry.field(
        default=None, description="The new endpoint."
    )
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret (`whsec_…`), shown this once: receivers verify each "
        "delivery's `webhook-signature` with it.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why no endpoint was added, if so."
    )


@mutation(
    CreateWebhookEndpointPayload,
    description="Add a webhook endpoint to your account (administrators). Events of the "
    "chosen types are POSTed to it, signed as the Standard Webhooks specification says; "
    "at most 20 endpoints an account.",
    permissions=ADMINISTRATORS,
    recent_authentication=True,
)
async def create_webhook_endpoint(
    info: Info, input: Annotated[CreateWebhookEndpointInput, INPUT]
) -> CreateWebhookEndpointPayload:
    """Add an endpoint and return it with its secret."""
    context = info.context
    endpoint, secret = await create_endpoint(
        context.deps, *context.require_session(), input.url, input.event_types, input.description
    )
    return CreateWebhookEndpointPayload(
        endpoint=WebhookEndpointNode.from_model(endpoint, context.now()), secret=secret
    )
