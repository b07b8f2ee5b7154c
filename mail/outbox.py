"""Queueing emails in the outbox, inside the transaction of the change that causes them."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from mail.messages import Email
from models import OutboxMessage
from services.encryption import SecretBox

SETUP_PATH = "/two-factor/setup"
"""Where the two-factor setup link of an email points."""
INVITATION_PATH = "/invitations/accept"
"""Where an invitation link points."""


class Outbox:
    """Writes rendered emails to the outbox table, encrypted, for the sender to deliver."""

    def __init__(self, box: SecretBox, public_url: str) -> None:
        self._box = box
        self._public_url = public_url.rstrip("/")

    def link(self, path: str, token: str) -> str:
        """Return the public link to ``path`` carrying ``token``."""
        return f"{self._public_url}{path}?token={quote(token, safe='')}"

    async def enqueue(self, email: Email, now: datetime) -> None:
        """Queue ``email``; call inside the transaction of the change it reports."""
        await OutboxMessage.create(
            kind=email.kind.value,
            recipient=email.to,
            content_encrypted=self._box.encrypt(email.to_json()),
            created_at=now,
            next_attempt_at=now,
        )

    def read(self, message: OutboxMessage) -> Email:
        """Decrypt a queued message."""
        return Email.from_json(self._box.decrypt(message.content_encrypted))
