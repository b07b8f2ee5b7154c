"""The audit log of policy and two-factor changes."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.account import Account
from models.api_key import ApiKey
from models.operator import Operator


class AuditEvent(Model):
    """One change or security event in an account, with who did it and to whom."""

    id = fields.IntField(primary_key=True, description="Internal key, also the order of events.")
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account",
        related_name="audit_events",
        on_delete=fields.CASCADE,
        description="The account the event belongs to.",
    )
    account_id: int
    actor: fields.ForeignKeyNullableRelation[Operator] = fields.ForeignKeyField(
        "models.Operator",
        related_name=False,
        null=True,
        on_delete=fields.SET_NULL,
        description="Who acted, null for the system or an anonymous caller.",
    )
    actor_id: int | None
    target: fields.ForeignKeyNullableRelation[Operator] = fields.ForeignKeyField(
        "models.Operator",
        related_name=False,
        null=True,
        on_delete=fields.SET_NULL,
        description="The operator the event is about, if any.",
    )
    target_id: int | None
    api_key: fields.ForeignKeyNullableRelation[ApiKey] = fields.ForeignKeyField(
        "models.ApiKey",
        related_name=False,
        null=True,
        on_delete=fields.SET_NULL,
        description="The API key that acted, when a key did (actor is then null).",
    )
    api_key_id: int | None
    kind = fields.CharField(max_length=64, description="What happened (an AuditEventKind value).")
    details = fields.JSONField[dict[str, Any]](
        default=dict, description="Non-secret facts about the event."
    )
    ip_address = fields.CharField(
        max_length=45, null=True, description="The client's address, when a request caused it."
    )
    user_agent = fields.CharField(
        max_length=512, null=True, description="The client's User-Agent, when a request caused it."
    )
    created_at = fields.DatetimeField(description="When it happened.")

    class Meta:
        table = "audit_events"
        indexes = (
            ("account_id", "id"),
            ("account_id", "target_id"),
            ("account_id", "actor_id"),
            ("account_id", "created_at"),
        )
