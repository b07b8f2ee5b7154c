"""One-time tokens: login challenges, setup links and invitations."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.enums import TokenPurpose
from models.operator import Operator


class OneTimeToken(Model):
    """A random token for one step of a flow, stored as its SHA-256 hash, consumed on use."""

    id = fields.IntField(primary_key=True, description="Internal key.")
    operator: fields.ForeignKeyRelation[Operator] = fields.ForeignKeyField(
        "models.Operator",
        related_name="one_time_tokens",
        on_delete=fields.CASCADE,
        description="The operator the token acts for.",
    )
    operator_id: int
    purpose = fields.CharEnumField(
        TokenPurpose, max_length=32, description="Which flow step the token unlocks."
    )
    token_hash = fields.CharField(
        max_length=64, unique=True, description="SHA-256 hex of the token, never the token."
    )
    created_at = fields.DatetimeField(description="When it was issued.")
    expires_at = fields.DatetimeField(description="After this the token is refused.")

    class Meta:
        table = "one_time_tokens"
        indexes = (("operator_id", "purpose"),)
