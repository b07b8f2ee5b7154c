"""Managing an account's webhook endpoints: administrators only, with a recent authentication.

An endpoint's signing secret (``whsec_`` and 32 random bytes in base64) is shown once, when
the endpoint is created or its secret rotated, and kept encrypted, since every delivery
signs with it. Rotating keeps the old secret signing beside the new one for 24 hours, so
receivers can switch without missing a delivery.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from tortoise.transactions import in_transaction

from models import Operator, Session, WebhookEndpoint
from services import audit
from services.actors import hold_actor
from services.audit import AuditEventKind
from services.errors import DomainError, ErrorCode, not_found
from services.machinery.dependencies import Dependencies
from services.sessions.reauthentication import ensure_recent_authentication
from services.validation import is_storable
from services.webhooks.events import WebhookEventType

SECRET_PREFIX = "whsec_"  # noqa: S105 - the public prefix of every secret, not a secret
"""How every signing secret starts (the Standard Webhooks form)."""
SECRET_BYTES = 32
"""Random bytes in a signing secret."""
ROTATION_OVERLAP = timedelta(hours=24)
"""How long the secret before a rotation keeps signing beside the new one."""
MAX_ENDPOINTS = 20
"""Endpoints an account may have."""
MAX_DESCRIPTION_LENGTH = 500
"""Longest description accepted."""
URL_FIELD = ("input", "url")
EVENT_TYPES_FIELD = ("input", "eventTypes")
DESCRIPTION_FIELD = ("input", "description")
ENDPOINT_FIELD = ("input", "endpointId")


def new_secret() -> str:
    """Return a fresh signing secret: ``whsec_`` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def chosen_event_types(names: list[str]) -> list[str]:
    """Return the event types once each, in a fixed order; refuse none or an unknown one."""
    known = {event.value for event in WebhookEventType}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"Unknown event type {unknown[0][:64]!r}.",
            field=EVENT_TYPES_FIELD,
        )
    chosen: list[str] = [event.value for event in WebhookEventType if event.value in names]
    if not chosen:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "Choose at least one event type.", field=EVENT_TYPES_FIELD
        )
    return chosen


def clean_description(text: str | None) -> str | None:
    """Return the description trimmed (None when empty), or refuse one too long."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if len(text) > MAX_DESCRIPTION_LENGTH or not is_storable(text):
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"Enter a description of at most {MAX_DESCRIPTION_LENGTH} characters.",
            field=DESCRIPTION_FIELD,
        )
    return text


def url_origin(url: str) -> str:
    """Return the scheme, host and port of a URL: its path and query may hold a token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def described_url(endpoint: WebhookEndpoint) -> dict[str, object]:
    """Return what the audit log keeps of an endpoint's URL: its origin only.

    Receivers often put a token in the path or query, and the audit log is read by more
    callers (keys with READ_AUDIT_LOG) than the endpoints are.
    """
    return {"url": url_origin(endpoint.url)}


def described(endpoint: WebhookEndpoint) -> dict[str, object]:
    """Return what the audit log keeps of an endpoint: never its secret or full URL."""
    return {
        **described_url(endpoint),
        "eventTypes": list(endpoint.event_types),
        "enabled": endpoint.enabled,
    }


async def _audited(
    kind: AuditEventKind, me: Operator, now: datetime, details: dict[str, object]
) -> None:
    """Append the audit event of an administrator's change to an endpoint."""
    await audit.record(kind, account_id=me.account_id, actor_id=me.id, now=now, details=details)


async def held_endpoint(account_id: int, endpoint_id: int | None) -> WebhookEndpoint:
    """Lock and return an endpoint of the account, or raise NOT_FOUND."""
    endpoint = None
    if endpoint_id is not None:
        endpoint = (
            await WebhookEndpoint.filter(id=endpoint_id, account_id=account_id)
            .select_for_update(no_key=True)
            .first()
        )
    if endpoint is None:
        raise not_found(ENDPOINT_FIELD)
    return endpoint


async def create_endpoint(
    deps: Dependencies,
    actor: Operator,
    session: Session,
    url: str,
    event_types: list[str],
    description: str | None,
) -> tuple[WebhookEndpoint, str]:
    """Add an endpoint to the administrator's account; return it and its secret (once)."""
    ensure_recent_authentication(deps, session)
    chosen = chosen_event_types(event_types)
    text = clean_description(description)
    await deps.webhook_network.target(url, URL_FIELD)
    secret = new_secret()
    now = deps.now()
    async with in_transaction():
        me = await hold_actor(actor, session, now, administrator=True)
        if await WebhookEndpoint.filter(account_id=me.account_id).count() >= MAX_ENDPOINTS:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"An account has at most {MAX_ENDPOINTS} webhook endpoints: delete one first.",
                field=URL_FIELD,
            )
        endpoint = await WebhookEndpoint.create(
            account_id=me.account_id,
            url=url,
            description=text,
            event_types=chosen,
            enabled=True,
            secret_encrypted=deps.box.encrypt(secret),
            created_by_id=me.id,
            created_at=now,
        )
        await _audited(AuditEventKind.WEBHOOK_ENDPOINT_CREATED, me, now, described(endpoint))
    return endpoint, secret


async def update_endpoint(
    deps: Dependencies,
    actor: Operator,
    session: Session,
    endpoint_id: int | None,
    *,
    url: str | None,
    event_types: list[str] | None,
    description: str | None,
    enabled: bool | None,
) -> WebhookEndpoint:
    """Change what is given of an endpoint; None leaves a part as it is.

    Enabling a disabled endpoint starts it afresh: its failures are forgotten. Deliveries
    already queued keep the body they were written with.
    """
    ensure_recent_authentication(deps, session)
    chosen = chosen_event_types(event_types) if event_types is not None else None
    text = clean_description(description) if description is not None else None
    if url is not None:
        await deps.webhook_network.target(url, URL_FIELD)
    now = deps.now()
    async with in_transaction():
        me = await hold_actor(actor, session, now, administrator=True)
        endpoint = await held_endpoint(me.account_id, endpoint_id)
        if url is not None:
            endpoint.url = url
        if chosen is not None:
            endpoint.event_types = chosen
        if description is not None:
            endpoint.description = text
        if enabled is not None and enabled != endpoint.enabled:
            endpoint.enabled = enabled
            endpoint.failing_since = None
            endpoint.disabled_at = None if enabled else now
        await endpoint.save()
        await _audited(AuditEventKind.WEBHOOK_ENDPOINT_UPDATED, me, now, described(endpoint))
    return endpoint


async def delete_endpoint(
    deps: Dependencies, actor: Operator, session: Session, endpoint_id: int | None
) -> WebhookEndpoint:
    """Delete an endpoint and its delivery log; return it as it was."""
    ensure_recent_authentication(deps, session)
    now = deps.now()
    async with in_transaction():
        me = await hold_actor(actor, session, now, administrator=True)
        endpoint = await held_endpoint(me.account_id, endpoint_id)
        await endpoint.delete()
        await _audited(AuditEventKind.WEBHOOK_ENDPOINT_DELETED, me, now, described_url(endpoint))
    return endpoint


async def rotate_secret(
    deps: Dependencies, actor: Operator, session: Session, endpoint_id: int | None
) -> tuple[WebhookEndpoint, str]:
    """Give an endpoint a new secret; the current one signs beside it for 24 hours.

    Rotating again within those hours drops the oldest: two secrets sign at most.
    """
    ensure_recent_authentication(deps, session)
    secret = new_secret()
    now = deps.now()
    async with in_transaction():
        me = await hold_actor(actor, session, now, administrator=True)
        endpoint = await held_endpoint(me.account_id, endpoint_id)
        endpoint.previous_secret_encrypted = endpoint.secret_encrypted
        endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
        endpoint.secret_encrypted = deps.box.encrypt(secret)
        await endpoint.save(
            update_fields=[
                "previous_secret_encrypted",
                "previous_secret_expires_at",
                "secret_encrypted",
            ]
        )
        await _audited(AuditEventKind.WEBHOOK_SECRET_ROTATED, me, now, described_url(endpoint))
    return endpoint, secret


def signing_secrets(deps: Dependencies, endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """Return the secrets that sign a delivery now.

    The current one, and the previous one during the 24 hours after a rotation.
    """
    current = [deps.box.decrypt(endpoint.secret_encrypted)]
    previous = endpoint.previous_secret_encrypted
    expires = endpoint.previous_secret_expires_at
    if previous is not None and expires is not None and now < expires:
        current.append(deps.box.decrypt(previous))
    return current
