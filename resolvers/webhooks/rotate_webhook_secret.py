"""``rotateWebhookSecret``: a new signing secret, the old one signing beside it for 24 hours."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.mutation_field import INPUT, mutation
from schema.context import Info
from schema.errors import UserError
from schema.ids import decode_id
from schema.permissions import ADMINISTRATORS
from schema.types.webhook import WebhookEndpointNode
from services.webhooks.endpoints import rotate_secret


@strawberry.input(description="The endpoint whose secret to rotate.")
class RotateWebhookSecretInput:
    """Arguments of ``rotateWebhookSecret``."""

    endpoint_id: strawberry.ID = strawberry.field(description="Global id of the endpoint.")


@strawberry.type(description="Result of `rotateWebhookSecret`.")
class RotateWebhookSecretPayload:
    """What ``rotateWebhookSecret`` answers."""

    endpoint: WebhookEndpointNode | None = strawberry.field(
        default=None, description="The endpoint (`secretRotatedUntil` set)."
    )
    secret: str | None = strawberry.field(
        default=None, description="The new signing secret (`whsec_…`), shown this once."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the secret was not rotated, if so."
    )


@mutation(
    RotateWebhookSecretPayload,
    description="Give a webhook endpoint a new signing secret (administrators). For 24 hours "
    "each delivery carries two `v1,` signatures, by the old secret and the new one, so the "
    "receiver can switch without missing one; rotating again in that time drops the oldest.",
    permissions=ADMINISTRATORS,
    recent_authentication=True,
)
async def rotate_webhook_secret(
    info: Info, input: Annotated[RotateWebhookSecretInput, INPUT]
) -> RotateWebhookSecretPayload:
    """Rotate the secret and return the new one."""
    context = info.context
    endpoint, secret = await rotate_secret(
        context.deps, *context.require_session(), decode_id(input.endpoint_id, "WebhookEndpoint")
    )
    return RotateWebhookSecretPayload(
        endpoint=WebhookEndpointNode.from_model(endpoint, context.now()), secret=secret
    )
