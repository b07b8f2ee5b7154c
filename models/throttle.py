"""Attempt counters behind login and code throttling."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Throttle(Model):
    """Consecutive failed attempts against one key, and the lock they earned."""

    id = fields.IntField(primary_key=True, description="Internal key.")
    key = fields.CharField(
        max_length=300,
        unique=True,
        description="What is being guessed at, e.g. a login email or an operator's codes.",
    )
    scope = fields.CharField(
        max_length=100,
        null=True,
        description="Groups related keys: the hashed login email of an (email, address) key, "
        "so that failures from distinct addresses can be counted.",
    )
    failures = fields.IntField(
        default=0,
        description="Failed attempts since the last success (for a login budget: the logins "
        "of its current minute).",
    )
    last_failure_at = fields.DatetimeField(
        null=True,
        description="When the latest failure was counted, for windowed counters (for a "
        "login budget: when its current minute began).",
    )
    locked_until = fields.DatetimeField(
        null=True, description="Attempts before this instant are refused unseen."
    )
    last_success_at = fields.DatetimeField(
        null=True,
        description="When the right password last came through this (email, address) pair: "
        "an address the operator logged in from recently escapes the email-wide lock.",
    )

    class Meta:
        table = "throttles"
        indexes = (("scope", "last_failure_at"),)
