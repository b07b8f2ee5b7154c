"""Passkeys and security keys (WebAuthn credentials), and the challenges they sign."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.operator import Operator
from models.session import Session
from models.token import OneTimeToken


class Passkey(Model):
    """A WebAuthn credential registered by an operator as a second factor."""

    id = fields.IntField(primary_key=True, description="Internal key, exposed only as a global id.")
    operator: fields.ForeignKeyRelation[Operator] = fields.ForeignKeyField(
        "models.Operator",
        related_name="passkeys",
        on_delete=fields.CASCADE,
        description="Whose passkey this is.",
    )
    operator_id: int
    name = fields.CharField(max_length=100, description="The operator's name for it.")
    credential_id = fields.CharField(
        max_length=1400,
        unique=True,
        description="The credential's id as the authenticator gave it (base64url, at most "
        "1,023 bytes before encoding): how an assertion names its credential.",
    )
    public_key = fields.TextField(
        description="The credential's public key, COSE-encoded, base64url (nothing secret)."
    )
    sign_count = fields.BigIntField(
        default=0,
        description="The authenticator's signature counter at its last use: an assertion that "
        "does not raise it (when either is non-zero) is refused as a possible clone.",
    )
    transports = fields.JSONField[list[str]](
        default=list, description="How the browser can reach it (usb, nfc, internal, ...)."
    )
    created_at = fields.DatetimeField(description="When it was registered.")
    last_used_at = fields.DatetimeField(
        null=True, description="When an assertion with it was last accepted, null if never."
    )

    class Meta:
        table = "passkeys"


class PasskeyCeremony(StrEnum):
    """What a WebAuthn challenge was issued for."""

    REGISTRATION = "REGISTRATION"
    LOGIN = "LOGIN"
    REAUTHENTICATION = "REAUTHENTICATION"


class PasskeyChallenge(Model):
    """A random challenge handed to the browser, accepted once, before it expires."""

    id = fields.IntField(primary_key=True, description="Internal key.")
    operator: fields.ForeignKeyRelation[Operator] = fields.ForeignKeyField(
        "models.Operator",
        related_name="passkey_challenges",
        on_delete=fields.CASCADE,
        description="The operator who must answer it.",
    )
    operator_id: int
    ceremony = fields.CharEnumField(
        PasskeyCeremony, max_length=20, description="Registration, login or reauthentication."
    )
    challenge = fields.CharField(
        max_length=64,
        unique=True,
        description="The challenge, base64url: not a secret (the browser shows it to the "
        "authenticator), only single use.",
    )
    login_challenge: fields.ForeignKeyNullableRelation[OneTimeToken] = fields.ForeignKeyField(
        "models.OneTimeToken",
        related_name=False,
        null=True,
        on_delete=fields.CASCADE,
        db_index=True,
        description="For LOGIN: the login challenge it belongs to (it goes with it).",
    )
    login_challenge_id: int | None
    session: fields.ForeignKeyNullableRelation[Session] = fields.ForeignKeyField(
        "models.Session",
        related_name=False,
        null=True,
        on_delete=fields.CASCADE,
        db_index=True,
        description="For REGISTRATION from settings and for REAUTHENTICATION: the session "
        "that asked (it goes with it).",
    )
    session_id: int | None
    created_at = fields.DatetimeField(description="When it was issued.")
    expires_at = fields.DatetimeField(description="After this it is refused.")

    class Meta:
        table = "passkey_challenges"
        indexes = (("operator_id", "ceremony"),)
