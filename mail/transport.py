"""Delivering one email: over SMTP with aiosmtplib, or to the log when no server is set."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import aiosmtplib

from mail.messages import Email

logger = logging.getLogger("twofa.mail")

SMTP_TIMEOUT_SECONDS = 30.0
"""Longest wait for the SMTP server at any step."""


class Transport(Protocol):
    """Anything that can deliver an email or raise."""

    async def deliver(self, email: Email) -> None:
        """Hand ``email`` over for delivery; raise if it was not accepted."""
        ...


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to hand mail over: the SMTP_* and MAIL_FROM settings."""

    host: str
    """SMTP server name or address."""
    port: int = 587
    """SMTP server port."""
    username: str | None = None
    """Login name, if the server wants one."""
    password: str | None = None
    """Password, if the server wants one."""
    tls: str = "starttls"
    """Transport security: ``none``, ``starttls`` or ``tls``."""
    mail_from: str = "twofa@localhost"
    """Sender address of every email."""


class SmtpTransport:
    """Sends through an SMTP server."""

    def __init__(self, config: SmtpConfig) -> None:
        self._config = config

    async def deliver(self, email: Email) -> None:
        """Send ``email``; raise ``aiosmtplib.SMTPException`` or ``OSError`` on failure."""
        config = self._config
        await aiosmtplib.send(
            email.to_message(config.mail_from),
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            use_tls=config.tls == "tls",
            start_tls=config.tls == "starttls",
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


def transport_for(config: SmtpConfig | None) -> Transport:
    """Return SMTP delivery when a server is configured, else the log."""
    if config is None:
        return LogTransport()
    return SmtpTransport(config)
