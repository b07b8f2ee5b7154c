"""The outbox: emails written with the change that causes them, delivered afterwards."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class OutboxMessage(Model):
    """One email waiting for (or past) delivery, its content encrypted at rest."""

    id = fields.IntField(primary_key=True, description="Internal key, also the sending order.")
    kind = fields.CharField(max_length=64, description="Which message this is (a MailKind).")
    recipient = fields.CharField(max_length=254, description="The To address.")
    content_encrypted = fields.TextField(
        description="Fernet token of the rendered message (it may hold a link token), "
        "emptied once delivered."
    )
    created_at = fields.DatetimeField(description="When the change that caused it committed.")
    attempts = fields.IntField(default=0, description="Delivery attempts that failed so far.")
    next_attempt_at = fields.DatetimeField(description="Not to be tried before this instant.")
    claimed_until = fields.DatetimeField(
        null=True, description="A sender holds the message until then, others leave it alone."
    )
    sent_at = fields.DatetimeField(null=True, description="When the SMTP server accepted it.")
    given_up_at = fields.DatetimeField(
        null=True, description="When delivery was abandoned after too many failures."
    )
    last_error = fields.CharField(
        max_length=500, null=True, description="Why the latest attempt failed, for operators."
    )

    class Meta:
        table = "outbox_messages"
        indexes = (("sent_at", "next_attempt_at"),)
