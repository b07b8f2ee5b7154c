"""Delivering one email: over SMTP with aiosmtplib, or to the log when no server is set."""

from __future__ import annotations

import logging
from typing import Protocol

import aiosmtplib

from mail.messages import Email
from twofa.settings import Settings

logger = logging.getLogger("twofa.mail")

SMTP_TIMEOUT_SECONDS = 30.0
"""Longest wait for the SMTP server at any step."""


class Transport(Protocol):
    """Anything that can deliver an email or raise."""

    async def deliver(self, email: Email) -> None:
        """Hand ``email`` over for delivery; raise if it was not accepted."""
        ...


class SmtpTransport:
    """Sends through the configured SMTP server (SMTP_HOST and friends)."""

    def __init__(self, settings: Settings) -> None:
        if settings.smtp_host is None:
            raise ValueError("SmtpTransport needs SMTP_HOST")
        self._settings = settings
        self._host = settings.smtp_host

    async def deliver(self, email: Email) -> None:
        """Send ``email``; raise ``aiosmtplib.SMTPException`` or ``OSError`` on failure."""
        settings = self._settings
        await aiosmtplib.send(
            email.to_message(settings.mail_from),
            hostname=self._host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            use_tls=settings.smtp_tls == "tls",
            start_tls=settings.smtp_tls == "starttls",
            timeout=SMTP_TIMEOUT_SECONDS,
        )


class LogTransport:
    """Writes each email to the log instead of sending it: the development default.

    The log then holds setup and invitation links; never use it in production.
    """

    async def deliver(self, email: Email) -> None:
        """Log the email's recipient, subject and text."""
        logger.info(
            "Mail (not sent: SMTP_HOST is unset)\nTo: %s\nSubject: %s\n\n%s",
            email.to,
            email.subject,
            email.text,
        )


def transport_for(settings: Settings) -> Transport:
    """Return SMTP delivery when SMTP_HOST is set, else the log."""
    if settings.smtp_host is None:
        return LogTransport()
    return SmtpTransport(settings)
