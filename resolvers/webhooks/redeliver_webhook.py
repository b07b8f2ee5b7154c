"""``redeliverWebhook``: send a delivery's event to its endpoint again."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.ids import decode_id
from schema.permissions import ADMINISTRATORS
from schema.types.webhook import WebhookDeliveryNode
from services.webhooks.deliveries import redeliver


@strawberry.input(description="The delivery to send again.")
class RedeliverWebhookInput:
    """Arguments of ``redeliverWebhook``."""

    delivery_id: strawberry.ID = strawberry.field(description="Global id of the delivery.")


@strawberry.type(description="Result of `redeliverWebhook`.")
class RedeliverWebhookPayload:
    """What ``redeliverWebhook`` answers."""

    delivery: WebhookDeliveryNode | None = strawberry.field(
        default=None,
        description="The new delivery: the same event (`eventId`, body), queued now.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was queued, if so."
    )


@mutation(
    RedeliverWebhookPayload,
    description="Send a delivery's event again to its endpoint, which must be enabled "
    "(administrators): a new entry in the log with the same `eventId` and body, whatever "
    "became of the first.",
    permissions=ADMINISTRATORS,
)
async def redeliver_webhook(
    info: Info, input: Annotated[RedeliverWebhookInput, INPUT]
) -> RedeliverWebhookPayload:
    """Queue the event again and return the new delivery."""
    context = info.context
    delivery = await redeliver(
        context.deps, *context.require_session(), decode_id(input.delivery_id, "WebhookDelivery")
    )
    return RedeliverWebhookPayload(delivery=WebhookDeliveryNode.from_model(delivery))
