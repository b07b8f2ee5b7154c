"""Webhook events: written in the transaction of the change they report, one row per endpoint.

This is the outbox pattern the mail uses: a change that rolls back leaves no event, a
crash after the commit loses none, and the background sender delivers them at least once.
Each event has one id (``webhook-id``) shared by every endpoint that receives it and by
every redelivery, so receivers can drop duplicates. Its body is fixed when it is written:
the type, the time and Relay ids with non-secret facts, never a secret, code, token,
password or email address.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime
from enum import StrEnum
from typing import Any

from models import WebhookDelivery, WebhookEndpoint


class WebhookEventType(StrEnum):
    """Every event an endpoint can receive, by its wire name."""

    OPERATOR_INVITED = "operator.invited"
    OPERATOR_JOINED = "operator.joined"
    OPERATOR_DEACTIVATED = "operator.deactivated"
    OPERATOR_REACTIVATED = "operator.reactivated"
    OPERATOR_ROLE_CHANGED = "operator.role_changed"
    OPERATOR_LOCKED_OUT = "operator.locked_out"
    TWO_FACTOR_ENABLED = "two_factor.enabled"
    TWO_FACTOR_DISABLED = "two_factor.disabled"
    TWO_FACTOR_RESET = "two_factor.reset"
    TWO_FACTOR_RECOVERY_CODE_USED = "two_factor.recovery_code_used"
    TWO_FACTOR_RECOVERY_CODES_REGENERATED = "two_factor.recovery_codes_regenerated"
    TWO_FACTOR_COMPLIANCE_CHANGED = "two_factor.compliance_changed"
    POLICY_ACCOUNT_DEFAULT_CHANGED = "policy.account_default_changed"
    POLICY_OPERATOR_OVERRIDE_CHANGED = "policy.operator_override_changed"
    API_KEY_CREATED = "api_key.created"
    API_KEY_REVOKED = "api_key.revoked"
    WEBHOOK_TEST = "webhook.test"


class WebhookDeliveryStatus(StrEnum):
    """Where a delivery stands."""

    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    GIVEN_UP = "GIVEN_UP"


SHARED_FACTS = frozenset(
    {
        "from",
        "to",
        "gracePeriodHours",
        "role",
        "resent",
        "via",
        "remaining",
        "factor",
        "lockedUntil",
        "sessionsEnded",
        "name",
        "scopes",
        "deadline",
    }
)
"""The audit details an event body may carry; anything else (an email address) stays out."""


def global_id(type_name: str, key: int) -> str:
    """Return the Relay global id of object ``key`` of ``type_name`` (base64 of "Type:key")."""
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def new_event_id() -> str:
    """Return a fresh event id (``msg_`` and 128 random bits), as Standard Webhooks shows."""
    return "msg_" + secrets.token_hex(16)


def body(event_type: WebhookEventType, at: datetime, data: dict[str, Any]) -> str:
    """Return the JSON body of an event: its type, RFC 3339 time and data."""
    stamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps(
        {"type": event_type.value, "timestamp": stamp, "data": data}, separators=(",", ":")
    )


def audit_data(
    account_id: int,
    actor_id: int | None,
    api_key_id: int | None,
    target_id: int | None,
    details: dict[str, Any],
) -> dict[str, Any]:
    """Return an event's data from an audit event's parts: ids, and the shareable facts."""
    data: dict[str, Any] = {"account": {"id": global_id("Account", account_id)}}
    if target_id is not None:
        data["operator"] = {"id": global_id("Operator", target_id)}
    if actor_id is not None:
        data["actor"] = {"operator": {"id": global_id("Operator", actor_id)}}
    elif api_key_id is not None:
        data["actor"] = {"apiKey": {"id": global_id("ApiKey", api_key_id)}}
    if isinstance(details.get("apiKeyId"), str):
        data["apiKey"] = {"id": details["apiKeyId"]}
    facts = {key: value for key, value in details.items() if key in SHARED_FACTS}
    if facts:
        data["details"] = facts
    return data


async def emit(
    account_id: int, event_type: WebhookEventType, data: dict[str, Any], now: datetime
) -> int:
    """Queue an event for every enabled endpoint of the account subscribed to its type.

    Call it inside the transaction of the change it reports. Returns how many endpoints
    will receive it.
    """
    endpoints = await WebhookEndpoint.filter(account_id=account_id, enabled=True).only(
        "id", "event_types"
    )
    receiving = [endpoint for endpoint in endpoints if event_type.value in endpoint.event_types]
    if not receiving:
        return 0
    event_id, payload = new_event_id(), body(event_type, now, data)
    await WebhookDelivery.bulk_create(
        [
            queued(endpoint.id, account_id, event_id, event_type.value, payload, now)
            for endpoint in receiving
        ]
    )
    return len(receiving)


def queued(
    endpoint_id: int, account_id: int, event_id: str, event_type: str, payload: str, now: datetime
) -> WebhookDelivery:
    """Return a new delivery (unsaved), due at once."""
    return WebhookDelivery(
        endpoint_id=endpoint_id,
        account_id=account_id,
        event_id=event_id,
        event_type=event_type,
        payload=payload,
        status=WebhookDeliveryStatus.PENDING.value,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
