"""The delivery log of an endpoint, a test event, and sending an event again."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from models import Operator, Session, WebhookDelivery, WebhookEndpoint
from services.actors import hold_actor
from services.errors import DomainError, ErrorCode, not_found
from services.machinery.dependencies import Dependencies
from services.operators import is_administrator
from services.webhooks import events
from services.webhooks.endpoints import ENDPOINT_FIELD, held_endpoint
from services.webhooks.events import WebhookEventType

DELIVERY_FIELD = ("input", "deliveryId")
MAX_WAITING = 100
"""Deliveries an endpoint may have waiting before tests and redeliveries are refused."""


async def _ensure_room(endpoint: WebhookEndpoint, field: tuple[str, ...]) -> None:
    """Refuse another test or redelivery while the endpoint has MAX_WAITING waiting.

    Events of real changes are always queued; what an administrator sends by hand is
    bounded, so that no loop of requests can grow the queue that all accounts share.
    """
    waiting = await WebhookDelivery.filter(
        endpoint_id=endpoint.id, next_attempt_at__isnull=False
    ).count()
    if waiting >= MAX_WAITING:
        raise DomainError(
            ErrorCode.RATE_LIMITED,
            f"{waiting} deliveries to this endpoint are waiting: let them go out first.",
            field=field,
        )


def _ensure_enabled(endpoint: WebhookEndpoint, field: tuple[str, ...]) -> None:
    if not endpoint.enabled:
        raise DomainError(
            ErrorCode.WEBHOOK_ENDPOINT_DISABLED,
            "The endpoint is disabled: enable it first.",
            field=field,
        )


async def send_test(
    deps: Dependencies, actor: Operator, session: Session, endpoint_id: int | None
) -> WebhookDelivery:
    """Queue a ``webhook.test`` event for one enabled endpoint, subscribed to it or not."""
    now = deps.now()
    async with in_transaction():
        me = await hold_actor(actor, session, now, administrator=True)
        endpoint = await held_endpoint(me.account_id, endpoint_id)
        _ensure_enabled(endpoint, ENDPOINT_FIELD)
        await _ensure_room(endpoint, ENDPOINT_FIELD)
        data = {
            "account": {"id": events.global_id("Account", me.account_id)},
            "endpoint": {"id": events.global_id("WebhookEndpoint", endpoint.id)},
            "actor": {"operator": {"id": events.global_id("Operator", me.id)}},
        }
        payload = events.body(WebhookEventType.WEBHOOK_TEST, now, data)
        delivery = events.queued(
            endpoint.id,
            me.account_id,
            events.new_event_id(),
            WebhookEventType.WEBHOOK_TEST.value,
            payload,
            now,
        )
        await delivery.save()
    return delivery


async def redeliver(
    deps: Dependencies, actor: Operator, session: Session, delivery_id: int | None
) -> WebhookDelivery:
    """Queue a delivery's event again for its endpoint: the same id and body, a new entry.

    Any delivery may be sent again (a receiver may have lost one it acknowledged); the
    endpoint must be enabled.
    """
    now = deps.now()
    async with in_transaction():
        me = await hold_actor(actor, session, now, administrator=True)
        original = None
        if delivery_id is not None:
            original = await WebhookDelivery.get_or_none(id=delivery_id, account_id=me.account_id)
        if original is None:
            raise not_found(DELIVERY_FIELD)
        endpoint = await held_endpoint(me.account_id, original.endpoint_id)
        _ensure_enabled(endpoint, DELIVERY_FIELD)
        await _ensure_room(endpoint, DELIVERY_FIELD)
        again = events.queued(
            endpoint.id,
            me.account_id,
            original.event_id,
            original.event_type,
            original.payload,
            now,
        )
        await again.save()
    return again


async def endpoints_page(
    account_id: int, *, before_id: int | None, limit: int
) -> tuple[list[WebhookEndpoint], bool]:
    """Return up to ``limit`` of the account's endpoints older than ``before_id``, newest first.

    The flag says whether older ones follow.
    """
    query = WebhookEndpoint.filter(account_id=account_id)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    rows = await query.order_by("-id").limit(limit + 1)
    return rows[:limit], len(rows) > limit


async def deliveries_page(
    endpoint_id: int, *, before_id: int | None, limit: int
) -> tuple[list[WebhookDelivery], bool]:
    """Return up to ``limit`` of an endpoint's deliveries older than ``before_id``, newest first.

    The flag says whether older ones follow.
    """
    query = WebhookDelivery.filter(endpoint_id=endpoint_id)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    rows = await query.order_by("-id").limit(limit + 1)
    return rows[:limit], len(rows) > limit


async def visible_endpoint(viewer: Operator, endpoint_id: int) -> WebhookEndpoint | None:
    """Return an endpoint of the viewer's account if they administer it, else None."""
    if not is_administrator(viewer):
        return None
    return await WebhookEndpoint.get_or_none(id=endpoint_id, account_id=viewer.account_id)


async def visible_delivery(viewer: Operator, delivery_id: int) -> WebhookDelivery | None:
    """Return a delivery of the viewer's account if they administer it, else None."""
    if not is_administrator(viewer):
        return None
    return await WebhookDelivery.get_or_none(id=delivery_id, account_id=viewer.account_id)
