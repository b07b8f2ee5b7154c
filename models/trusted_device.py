"""Trusted devices: browsers where an operator asked not to be asked for a code again."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.operator import Operator


class TrustedDevice(Model):
    """A remembered browser, found by the SHA-256 hash of its device token."""

    id = fields.IntField(primary_key=True, description="Internal key, exposed only as a global id.")
    operator: fields.ForeignKeyRelation[Operator] = fields.ForeignKeyField(
        "models.Operator",
        related_name="trusted_devices",
        on_delete=fields.CASCADE,
        description="Whose device this is: the token skips the second factor for them only.",
    )
    operator_id: int
    token_hash = fields.CharField(
        max_length=64, unique=True, description="SHA-256 hex of the device token, never the token."
    )
    ip_address = fields.CharField(
        max_length=45, null=True, description="The client's address when it was remembered."
    )
    user_agent = fields.CharField(
        max_length=512, null=True, description="The client's User-Agent when it was remembered."
    )
    created_at = fields.DatetimeField(description="When the operator chose to remember it.")
    last_used_at = fields.DatetimeField(
        null=True, description="When a login last skipped the second factor with it."
    )
    expires_at = fields.DatetimeField(
        description="After this the token is refused (the account's days from its creation)."
    )

    class Meta:
        table = "trusted_devices"
        indexes = (("operator_id", "expires_at"),)
