"""Operators: the people who sign in to an account."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.account import Account
from models.enums import OperatorRole, OperatorStatus, TwoFactorMode


class Operator(Model):
    """A person who signs in to one account, with their own two-factor override.

    An email is unique among active operators across the system and within an account:
    ``email_key`` is the login key of an active operator, and a unique placeholder
    (``#`` and random hex) for an invited or deactivated one, so an invitation reserves
    nothing. ``email_folded`` is the case-folded email of every operator, unique within an
    account (migration 0007 adds that index).
    """

    id = fields.IntField(primary_key=True, description="Internal key, exposed only as a global id.")
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account",
        related_name="operators",
        on_delete=fields.CASCADE,
        description="The account this operator belongs to.",
    )
    account_id: int
    email = fields.CharField(max_length=254, description="Email address as the operator gave it.")
    email_key = fields.CharField(
        max_length=254,
        unique=True,
        description="Case-folded email: the unique, case-insensitive login key.",
    )
    email_folded = fields.CharField(
        max_length=254,
        default="",
        db_default="",
        description="Case-folded email of any status, unique within an account, for lookups.",
    )
    name = fields.CharField(max_length=200, description="Display name.")
    name_key = fields.CharField(
        max_length=200,
        default="",
        db_default="",
        description="Case-folded name, for case-insensitive search.",
    )
    role = fields.CharEnumField(OperatorRole, max_length=16, description="What they may do.")
    status = fields.CharEnumField(
        OperatorStatus, max_length=16, description="INVITED until the invitation is accepted."
    )
    uses_single_sign_on = fields.BooleanField(
        default=False,
        description="Signs in through an identity provider, TOTP never applies.",
    )
    two_factor_override: fields.Field[TwoFactorMode | None] = fields.CharEnumField(  # type: ignore[assignment]
        TwoFactorMode,
        max_length=16,
        null=True,
        description="Mode that wins over the account default, null follows the default.",
    )
    two_factor_required_since = fields.DatetimeField(
        null=True,
        description="When the effective mode last became REQUIRED for this active operator, "
        "the grace period runs from here. Null while not required, or required since before "
        "they were active (no grace).",
    )
    # Set while the operator has any second factor (an authenticator or a passkey): the
    # description is kept as written, since changing it rebuilds the table on SQLite.
    two_factor_configured_at = fields.DatetimeField(
        null=True,
        description="When the authenticator was confirmed, null without one (kept beside the "
        "authenticator so that authenticating a request reads one row).",
    )
    invited_at = fields.DatetimeField(
        null=True, description="When the latest invitation was sent, null if never invited."
    )
    invited_by: fields.ForeignKeyNullableRelation[Operator] = fields.ForeignKeyField(
        "models.Operator",
        related_name=False,
        null=True,
        on_delete=fields.SET_NULL,
        description="Who sent the latest invitation, null if unknown or removed.",
    )
    invited_by_id: int | None
    last_login_at = fields.DatetimeField(
        null=True, description="When a session was last issued to the operator."
    )
    password_hash = fields.CharField(
        max_length=255, null=True, description="argon2id hash of the password, null until set."
    )
    created_at = fields.DatetimeField(description="When the operator was created or invited.")
    reminded_7d_for = fields.DatetimeField(
        null=True,
        description="The setup deadline whose first reminder (7 days before it at most) was "
        "emailed, null if none was.",
    )
    reminded_1d_for = fields.DatetimeField(
        null=True,
        description="The setup deadline whose last reminder (1 day before it at most) was "
        "emailed, null if none was.",
    )
    overdue_recorded_for = fields.DatetimeField(
        null=True,
        description="The setup deadline whose passing was recorded (audit event and webhook), "
        "null if none was.",
    )

    class Meta:
        table = "operators"
        indexes = (
            ("account_id", "id"),
            ("account_id", "email_folded"),
            ("account_id", "name_key"),
            # The reminder job finds the grace periods that end soon by ranges on it.
            ("two_factor_required_since",),
        )
