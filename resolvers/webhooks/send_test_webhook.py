"""``sendTestWebhook``: queue a ``webhook.test`` event for one endpoint."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.ids import decode_id
from schema.permissions import ADMINISTRATORS
from schema.types.webhook import WebhookDeliveryNode
from services.webhooks.deliveries import send_test


@strawberry.input(description="The endpoint to test.")
class SendTestWebhookInput:
    """Arguments of ``sendTestWebhook``."""

    endpoint_id: strawberry.ID = strawberry.field(description="Global id of the endpoint.")


@strawberry.type(description="Result of `sendTestWebhook`.")
class SendTestWebhookPayload:
    """What ``sendTestWebhook`` answers."""

    delivery: WebhookDeliveryNode | None = strawberry.field(
        default=None, description="The test delivery, queued (its log entry)."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was sent, if so."
    )


@mutation(
    SendTestWebhookPayload,
    description="Send a `webhook.test` event to an enabled webhook endpoint of your account "
    "(administrators), whatever event types it receives; follow it in the delivery log.",
    permissions=ADMINISTRATORS,
)
async def send_test_webhook(
    info: Info, input: Annotated[SendTestWebhookInput, INPUT]
) -> SendTestWebhookPayload:
    """Queue the test event and return its delivery."""
    context = info.context
    delivery = await send_test(
        context.deps, *context.require_session(), decode_id(input.endpoint_id, "WebhookEndpoint")
    )
    return SendTestWebhookPayload(delivery=WebhookDeliveryNode.from_model(delivery))
