"""API keys: an account's machine credentials, found by the SHA-256 of their secret."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.account import Account
from models.operator import Operator


class ApiKey(Model):
    """A credential a script or a partner's back end sends instead of a person's session."""

    id = fields.IntField(primary_key=True, description="Internal key, exposed only as a global id.")
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account",
        related_name="api_keys",
        on_delete=fields.CASCADE,
        description="The account the key acts for.",
    )
    account_id: int
    name = fields.CharField(
        max_length=200, description="What the key is for, as its creator named it."
    )
    scopes = fields.JSONField[list[str]](
        description="What the key may do (ApiKeyScope values), in a fixed order."
    )
    prefix = fields.CharField(
        max_length=16,
        description="The secret's first characters, shown so that people can tell keys apart.",
    )
    digest = fields.CharField(
        max_length=64, unique=True, description="SHA-256 hex of the secret, never the secret."
    )
    created_by: fields.ForeignKeyNullableRelation[Operator] = fields.ForeignKeyField(
        "models.Operator",
        related_name=False,
        null=True,
        on_delete=fields.SET_NULL,
        description="The administrator who created the key (null once they are deleted).",
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(description="When the key was created.")
    expires_at = fields.DatetimeField(description="After this the key is refused.")
    last_used_at = fields.DatetimeField(
        null=True, description="When a request last used the key (written at most once a minute)."
    )
    last_used_address = fields.CharField(
        max_length=45, null=True, description="The client address of that request, if known."
    )
    revoked_at = fields.DatetimeField(
        null=True,
        description="When an administrator revoked the key, which is refused from then on.",
    )

    class Meta:
        table = "api_keys"
        indexes = (("account_id", "id"),)
