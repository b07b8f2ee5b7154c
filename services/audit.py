"""The audit log: who changed what in an account's two-factor setup, and when."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models import AuditEvent, Operator
from services.machinery.client import current_client
from services.webhooks import events
from services.webhooks.events import WebhookEventType


class AuditEventKind(StrEnum):
    """Every kind of event the audit log records."""

    ACCOUNT_DEFAULT_CHANGED = "ACCOUNT_DEFAULT_CHANGED"
    OVERRIDE_SET = "OVERRIDE_SET"
    OVERRIDE_CLEARED = "OVERRIDE_CLEARED"
    TWO_FACTOR_RESET = "TWO_FACTOR_RESET"
    ENROLLMENT_STARTED = "ENROLLMENT_STARTED"
    ENROLLMENT_CONFIRMED = "ENROLLMENT_CONFIRMED"
    TWO_FACTOR_DISABLED = "TWO_FACTOR_DISABLED"
    RECOVERY_CODES_REGENERATED = "RECOVERY_CODES_REGENERATED"
    LOGIN_SUCCEEDED = "LOGIN_SUCCEEDED"
    LOGIN_FAILED = "LOGIN_FAILED"
    CODE_REJECTED = "CODE_REJECTED"
    LOCKED_OUT = "LOCKED_OUT"
    RECOVERY_CODE_USED = "RECOVERY_CODE_USED"
    INVITATION_SENT = "INVITATION_SENT"
    INVITATION_ACCEPTED = "INVITATION_ACCEPTED"
    INVITATION_REVOKED = "INVITATION_REVOKED"
    SESSIONS_REVOKED = "SESSIONS_REVOKED"
    REAUTHENTICATED = "REAUTHENTICATED"
    ROLE_CHANGED = "ROLE_CHANGED"
    OPERATOR_DEACTIVATED = "OPERATOR_DEACTIVATED"
    OPERATOR_REACTIVATED = "OPERATOR_REACTIVATED"
    OPERATOR_UNLOCKED = "OPERATOR_UNLOCKED"
    PASSWORD_CHANGED = "PASSWORD_CHANGED"  # noqa: S105 (an event name, not a secret)
    PASSWORD_RESET_REQUESTED = "PASSWORD_RESET_REQUESTED"  # noqa: S105
    PASSWORD_RESET = "PASSWORD_RESET"  # noqa: S105
    API_KEY_CREATED = "API_KEY_CREATED"
    API_KEY_REVOKED = "API_KEY_REVOKED"
    WEBHOOK_ENDPOINT_CREATED = "WEBHOOK_ENDPOINT_CREATED"
    WEBHOOK_ENDPOINT_UPDATED = "WEBHOOK_ENDPOINT_UPDATED"
    WEBHOOK_ENDPOINT_DELETED = "WEBHOOK_ENDPOINT_DELETED"
    WEBHOOK_SECRET_ROTATED = "WEBHOOK_SECRET_ROTATED"  # noqa: S105 (an event name, not a secret)
    WEBHOOK_ENDPOINT_DISABLED = "WEBHOOK_ENDPOINT_DISABLED"
    TWO_FACTOR_OVERDUE = "TWO_FACTOR_OVERDUE"
    COMPLIANCE_REPORT_DOWNLOADED = "COMPLIANCE_REPORT_DOWNLOADED"
    PASSKEY_ADDED = "PASSKEY_ADDED"
    PASSKEY_REMOVED = "PASSKEY_REMOVED"
    TRUSTED_DEVICE_REMEMBERED = "TRUSTED_DEVICE_REMEMBERED"
    TRUSTED_DEVICES_FORGOTTEN = "TRUSTED_DEVICES_FORGOTTEN"
    TRUSTED_DEVICE_DAYS_CHANGED = "TRUSTED_DEVICE_DAYS_CHANGED"
    TEMPORARY_ACCESS_PASS_ISSUED = "TEMPORARY_ACCESS_PASS_ISSUED"  # noqa: S105 (an event name)
    TEMPORARY_ACCESS_PASS_USED = "TEMPORARY_ACCESS_PASS_USED"  # noqa: S105 (an event name)


ANNOUNCED: dict[AuditEventKind, WebhookEventType] = {
    AuditEventKind.INVITATION_SENT: WebhookEventType.OPERATOR_INVITED,
    AuditEventKind.INVITATION_ACCEPTED: WebhookEventType.OPERATOR_JOINED,
    AuditEventKind.OPERATOR_DEACTIVATED: WebhookEventType.OPERATOR_DEACTIVATED,
    AuditEventKind.OPERATOR_REACTIVATED: WebhookEventType.OPERATOR_REACTIVATED,
    AuditEventKind.ROLE_CHANGED: WebhookEventType.OPERATOR_ROLE_CHANGED,
    AuditEventKind.LOCKED_OUT: WebhookEventType.OPERATOR_LOCKED_OUT,
    AuditEventKind.ENROLLMENT_CONFIRMED: WebhookEventType.TWO_FACTOR_ENABLED,
    AuditEventKind.TWO_FACTOR_DISABLED: WebhookEventType.TWO_FACTOR_DISABLED,
    AuditEventKind.TWO_FACTOR_RESET: WebhookEventType.TWO_FACTOR_RESET,
    AuditEventKind.RECOVERY_CODE_USED: WebhookEventType.TWO_FACTOR_RECOVERY_CODE_USED,
    AuditEventKind.RECOVERY_CODES_REGENERATED: (
        WebhookEventType.TWO_FACTOR_RECOVERY_CODES_REGENERATED
    ),
    AuditEventKind.ACCOUNT_DEFAULT_CHANGED: WebhookEventType.POLICY_ACCOUNT_DEFAULT_CHANGED,
    AuditEventKind.OVERRIDE_SET: WebhookEventType.POLICY_OPERATOR_OVERRIDE_CHANGED,
    AuditEventKind.OVERRIDE_CLEARED: WebhookEventType.POLICY_OPERATOR_OVERRIDE_CHANGED,
    AuditEventKind.API_KEY_CREATED: WebhookEventType.API_KEY_CREATED,
    AuditEventKind.API_KEY_REVOKED: WebhookEventType.API_KEY_REVOKED,
    AuditEventKind.TWO_FACTOR_OVERDUE: WebhookEventType.TWO_FACTOR_COMPLIANCE_CHANGED,
}
"""The audit events that are also webhook events, and the webhook event each one is."""


AuditObserver = Callable[[AuditEventKind, dict[str, Any]], None]
"""Told the kind and details of every event recorded (for counters; it must not fail)."""

_observers: list[AuditObserver] = []


def observe(observer: AuditObserver) -> None:
    """Have ``observer`` called after every event is written (once, however often asked).

    The call happens when the row is written, inside the caller's transaction: an event
    whose transaction is rolled back afterwards has still been observed.
    """
    if observer not in _observers:
        _observers.append(observer)


@dataclass(frozen=True)
class AuditFilter:
    """Conditions on listed events; None means any."""

    kinds: tuple[AuditEventKind, ...] | None = None
    actor_id: int | None = None
    target_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def _filtered(account_id: int, where: AuditFilter | None) -> QuerySet[AuditEvent]:
    """Return the account's events that match ``where`` (since inclusive, until exclusive)."""
    query = AuditEvent.filter(account_id=account_id)
    if where is not None:
        if where.kinds is not None:
            query = query.filter(kind__in=[kind.value for kind in where.kinds])
        if where.actor_id is not None:
            query = query.filter(actor_id=where.actor_id)
        if where.target_id is not None:
            query = query.filter(target_id=where.target_id)
        if where.since is not None:
            query = query.filter(created_at__gte=where.since)
        if where.until is not None:
            query = query.filter(created_at__lt=where.until)
    return query


async def events_page(
    account_id: int, where: AuditFilter | None, *, before_id: int | None, limit: int
) -> tuple[list[AuditEvent], bool]:
    """Return up to ``limit`` of the account's events older than ``before_id``, newest first.

    The flag says whether older events follow.
    """
    query = _filtered(account_id, where)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    rows = await query.order_by("-id").limit(limit + 1)
    return rows[:limit], len(rows) > limit


async def count_events(account_id: int, where: AuditFilter | None) -> int:
    """Return how many of the account's events match ``where`` (one statement)."""
    return await _filtered(account_id, where).count()


async def visible_event(viewer_account_id: int, event_id: int) -> AuditEvent | None:
    """Return the event if it belongs to the given account, else None."""
    return await AuditEvent.get_or_none(id=event_id, account_id=viewer_account_id)


async def record(
    kind: AuditEventKind,
    *,
    account_id: int,
    now: datetime,
    actor_id: int | None = None,
    target_id: int | None = None,
    details: dict[str, Any] | None = None,
    api_key_id: int | None = None,
    announce: bool = True,
) -> None:
    """Append one event; call it inside the transaction of the change it describes.

    The event carries the address and user agent of the request that caused it, if any;
    ``api_key_id`` names the API key that acted (``actor_id`` is then None). A kind in
    ``ANNOUNCED`` is also queued as a webhook event, in the same transaction, unless
    ``announce`` is False (the event does not mean what its webhook event says, e.g. an
    authenticator added while two-factor authentication was on already).
    """
    client = current_client()
    row = AuditEvent(
        account_id=account_id,
        actor_id=actor_id,
        api_key_id=api_key_id,
        target_id=target_id,
        kind=kind.value,
        details=details or {},
        ip_address=client.ip_address,
        user_agent=client.user_agent,
        created_at=now,
    )
    announced = ANNOUNCED.get(kind) if announce else None
    if announced is None:
        await row.save()
    else:
        # The webhook event commits or rolls back with the audit event (and the change).
        async with in_transaction():
            await row.save()
            data = events.audit_data(account_id, actor_id, api_key_id, target_id, row.details)
            await events.emit(account_id, announced, data, now)
    for observer in _observers:
        observer(kind, details or {})


async def record_own(
    kind: AuditEventKind,
    operator: Operator,
    now: datetime,
    details: dict[str, Any] | None = None,
    *,
    announce: bool = True,
) -> None:
    """Append an event an operator caused about themselves (actor and target alike)."""
    await record(
        kind,
        account_id=operator.account_id,
        actor_id=operator.id,
        target_id=operator.id,
        now=now,
        details=details,
        announce=announce,
    )
