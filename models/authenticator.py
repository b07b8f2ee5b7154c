"""TOTP authenticators and their recovery codes."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.operator import Operator


class Authenticator(Model):
    """An operator's TOTP secret: pending until a code confirms it, then configured."""

    id = fields.IntField(primary_key=True, description="Internal key.")
    operator: fields.OneToOneRelation[Operator] = fields.OneToOneField(
        "models.Operator",
        related_name="authenticator",
        on_delete=fields.CASCADE,
        description="Whose authenticator this is (one per operator).",
    )
    operator_id: int
    secret_encrypted = fields.TextField(description="Fernet token of the base32 TOTP secret.")
    confirmed_at = fields.DatetimeField(
        null=True, description="When a code confirmed the enrollment, null while pending."
    )
    pending_expires_at = fields.DatetimeField(
        null=True, description="When an unconfirmed enrollment lapses, null once confirmed."
    )
    last_used_step = fields.BigIntField(
        default=0, description="Latest TOTP time step accepted, older or equal steps are refused."
    )
    created_at = fields.DatetimeField(description="When the secret was generated.")

    class Meta:
        table = "authenticators"


class RecoveryCode(Model):
    """A single-use code that stands in for a TOTP code, stored only as an argon2id hash."""

    # The docstring and code_hash's description are kept as they were: changing them is an
    # AlterField, which rebuilds the table on SQLite. Codes are now stored in code_sealed
    # (see services/auth/recovery_codes.py); code_hash is empty for them.

    id = fields.IntField(primary_key=True, description="Internal key.")
    operator: fields.ForeignKeyRelation[Operator] = fields.ForeignKeyField(
        "models.Operator",
        related_name="recovery_codes",
        on_delete=fields.CASCADE,
        description="Whose code this is.",
    )
    operator_id: int
    code_hash = fields.CharField(max_length=255, description="argon2id hash of the code.")
    code_sealed = fields.TextField(
        null=True,
        description="Fernet token of a random HMAC-SHA256 key and the code's HMAC under it, "
        "null for codes issued before it (checked with code_hash).",
    )
    used_at = fields.DatetimeField(null=True, description="When it was used, null while unused.")

    class Meta:
        table = "recovery_codes"
        indexes = (("operator_id", "used_at"),)
