"""A local SMTP server (aiosmtpd on a loopback port) that keeps what it receives.

``make soak`` delivers to it and checks that every email arrived exactly once. The tests have their own (``tests/mail_server.py``): benchmarks and tests import nothing
from each other.
"""

from __future__ import annotations

import threading
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller

from bench.servers import free_port


class MailSink:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self._messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Keep the message (aiosmtpd's hook for a received DATA command)."""
        message = message_from_bytes(envelope.original_content or envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self._messages.append(message)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        """Everything received so far, oldest first."""
        with self._lock:
            return list(self._messages)


class SmtpServer:
    """An aiosmtpd server on a free port of 127.0.0.1."""

    def __init__(self) -> None:
        self.port = free_port()
        self.sink = MailSink()
        self._controller: Controller | None = None

    def start(self) -> None:
        """Listen on the port."""
        self._controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
