"""Webhooks: an account's endpoints and the signed deliveries of events to them."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.account import Account
from models.operator import Operator


class WebhookEndpoint(Model):
    """A URL of the account's that receives the events it subscribed to, signed."""

    id = fields.IntField(primary_key=True, description="Internal key, exposed only as a global id.")
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account",
        related_name="webhook_endpoints",
        on_delete=fields.CASCADE,
        description="The account whose events the endpoint receives.",
    )
    account_id: int
    url = fields.CharField(max_length=2048, description="Where deliveries are POSTed.")
    description = fields.CharField(
        max_length=500, null=True, description="What the endpoint is for, as its creator wrote."
    )
    event_types = fields.JSONField[list[str]](
        description="The event types (wire names) the endpoint receives, in a fixed order."
    )
    enabled = fields.BooleanField(
        default=True, description="Whether events are delivered (false after 24 h of failures)."
    )
    secret_encrypted = fields.TextField(
        description="Fernet token of the signing secret (whsec_…), which deliveries need whole."
    )
    previous_secret_encrypted = fields.TextField(
        null=True, description="Fernet token of the secret before the last rotation, if any."
    )
    previous_secret_expires_at = fields.DatetimeField(
        null=True, description="Until then the previous secret signs beside the current one."
    )
    created_by: fields.ForeignKeyNullableRelation[Operator] = fields.ForeignKeyField(
        "models.Operator",
        related_name=False,
        null=True,
        on_delete=fields.SET_NULL,
        description="The administrator who created the endpoint (null once deleted).",
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(description="When the endpoint was created.")
    failing_since = fields.DatetimeField(
        null=True,
        description="The first failed attempt since the last success (null while it succeeds).",
    )
    disabled_at = fields.DatetimeField(
        null=True, description="When deliveries stopped: disabled by hand or after failing."
    )

    class Meta:
        table = "webhook_endpoints"
        indexes = (("account_id", "id"),)


class WebhookDelivery(Model):
    """One event on its way to one endpoint: its body, fixed when the event happened."""

    id = fields.IntField(primary_key=True, description="Internal key, exposed only as a global id.")
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint",
        related_name="deliveries",
        on_delete=fields.CASCADE,
        description="Where the event goes.",
    )
    endpoint_id: int
    account_id = fields.IntField(
        description="The endpoint's account, kept here so that claims share the sender fairly."
    )
    event_id = fields.CharField(
        max_length=40,
        description="The event's id (webhook-id), the same for every endpoint and redelivery.",
    )
    event_type = fields.CharField(max_length=64, description="The event's wire name.")
    payload = fields.TextField(
        description="The JSON body as sent: type, timestamp and ids, never a secret."
    )
    status = fields.CharField(
        max_length=16, description="PENDING, SUCCEEDED, FAILED or GIVEN_UP (a delivery status)."
    )
    attempts = fields.IntField(default=0, description="Attempts made so far.")
    created_at = fields.DatetimeField(description="When the delivery was queued.")
    last_attempt_at = fields.DatetimeField(null=True, description="When it was last tried.")
    next_attempt_at = fields.DatetimeField(
        null=True, description="When it is tried next (null once it succeeded or was given up)."
    )
    response_status = fields.IntField(
        null=True, description="The HTTP status of the last answer (null when none came)."
    )
    last_error = fields.CharField(
        max_length=300, null=True, description="Why the last attempt failed, for administrators."
    )
    claimed_until = fields.DatetimeField(
        null=True, description="A sender holds the delivery until then, others leave it alone."
    )

    class Meta:
        table = "webhook_deliveries"
        indexes = (("endpoint_id", "id"), ("next_attempt_at",))
