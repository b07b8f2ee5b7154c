"""Queueing emails in the outbox, inside the transaction of the change that causes them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from urllib.parse import quote

from mail.messages import Email
from models import OutboxMessage

SETUP_PATH = "/two-factor/setup"
"""Where the two-factor setup link of an email points."""
INVITATION_PATH = "/invitations/accept"
"""Where an invitation link points."""
PASSWORD_RESET_PATH = "/password/reset"  # noqa: S105 (a path, not a secret)
"""Where a password reset link points."""
LINK_PATHS = (SETUP_PATH, INVITATION_PATH, PASSWORD_RESET_PATH)
"""Every path an emailed link opens (the console serves each of them)."""


class Cipher(Protocol):
    """Encrypts queued messages at rest (they carry link tokens)."""

    def encrypt(self, plaintext: str) -> str:
        """Return the ciphertext of ``plaintext``."""
        ...

    def decrypt(self, token: str) -> str:
        """Return the plaintext of a ciphertext made by ``encrypt``."""
        ...


class Outbox:
    """Writes rendered emails to the outbox table, encrypted, for the sender to deliver."""

    def __init__(self, box: Cipher, public_url: str) -> None:
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
