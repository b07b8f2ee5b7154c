"""Accounts: the tenant that owns operators and the two-factor default."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import TwoFactorMode

if TYPE_CHECKING:
    from models.operator import Operator


class Account(Model):
    """A customer account whose administrators set the two-factor policy of its operators."""

    id = fields.IntField(primary_key=True, description="Internal key, exposed only as a global id.")
    name = fields.CharField(max_length=200, description="Display name of the account.")
    two_factor_default = fields.CharEnumField(
        TwoFactorMode,
        max_length=16,
        default=TwoFactorMode.OPTIONAL,
        description="Account-wide two-factor mode, applied to operators without an override.",
    )
    two_factor_grace_period_hours = fields.IntField(
        default=0,
        db_default=0,
        description="Hours an operator who becomes required may still log in with the password "
        "alone (0 to 720).",
    )
    two_factor_enforce_from = fields.DatetimeField(
        null=True,
        description="When REQUIRED takes effect at the earliest: no setup deadline falls before "
        "it (null: at once, after the grace period).",
    )
    trusted_device_days = fields.IntField(
        default=0,
        db_default=0,
        description="Days a browser remembered at the second factor skips it (0 to 30, 0 is off).",
    )
    created_at = fields.DatetimeField(description="When the account was created.")

    operators: fields.ReverseRelation[Operator]

    class Meta:
        table = "accounts"
