"""What the reminder job remembers between its rounds, to find what became due cheaply."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.account import Account


class DeadlineWatch(Model):
    """An account's deadline rule as the reminder job last applied it.

    When the account's grace period or scheduled enforcement differs from these, every
    deadline in the account may have moved, and the job looks at all its operators once.
    """

    id = fields.IntField(primary_key=True, description="Internal key.")
    account: fields.OneToOneRelation[Account] = fields.OneToOneField(
        "models.Account",
        related_name=False,
        on_delete=fields.CASCADE,
        description="The account watched (one row per account).",
    )
    account_id: int
    grace_period_hours = fields.IntField(
        description="The account's grace period when the job last looked at all its operators."
    )
    enforce_from = fields.DatetimeField(
        null=True,
        description="The account's scheduled enforcement then (null: none).",
    )

    class Meta:
        table = "deadline_watches"


class DeadlineRound(Model):
    """How far the reminder job has looked: one row, moved forward after every round."""

    id = fields.IntField(primary_key=True, description="Always 1.")
    checked_until = fields.DatetimeField(
        description="The instant of the last complete round: every deadline that came within "
        "7 days, 1 day or passed before it was handled."
    )

    class Meta:
        table = "deadline_rounds"
