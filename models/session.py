"""Sessions: what a bearer token stands for after login."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.operator import Operator
from models.trusted_device import TrustedDevice


class Session(Model):
    """A signed-in operator, found by the SHA-256 hash of its bearer token."""

    id = fields.IntField(primary_key=True, description="Internal key.")
    operator: fields.ForeignKeyRelation[Operator] = fields.ForeignKeyField(
        "models.Operator",
        related_name="sessions",
        on_delete=fields.CASCADE,
        description="Who is signed in.",
    )
    operator_id: int
    token_hash = fields.CharField(
        max_length=64, unique=True, description="SHA-256 hex of the bearer token, never the token."
    )
    authentication_methods = fields.JSONField[list[str]](
        description="How the operator proved who they are (AuthenticationMethod values), in order.",
    )
    authenticated_at = fields.DatetimeField(
        description="When the operator last proved who they are: login, or reauthenticate."
    )
    ip_address = fields.CharField(
        max_length=45, null=True, description="The client's address at login, if known."
    )
    user_agent = fields.CharField(
        max_length=512, null=True, description="The client's User-Agent at login, if sent."
    )
    last_used_at = fields.DatetimeField(
        description="When a request last used the session (written at most once a minute)."
    )
    trusted_device: fields.ForeignKeyNullableRelation[TrustedDevice] = fields.ForeignKeyField(
        "models.TrustedDevice",
        related_name="sessions",
        null=True,
        on_delete=fields.CASCADE,
        description="The remembered browser whose device token opened this session, null "
        "otherwise: forgetting the browser ends the sessions it opened.",
    )
    trusted_device_id: int | None
    created_at = fields.DatetimeField(description="When the session was issued.")
    expires_at = fields.DatetimeField(db_index=True, description="After this the token is refused.")

    class Meta:
        table = "sessions"
        indexes = (("operator_id", "expires_at"), ("trusted_device_id",))
