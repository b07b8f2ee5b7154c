"""The tests' SMTP server: aiosmtpd on a loopback port, keeping what it receives."""

from __future__ import annotations

import asyncio
import threading
import time
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller

from tests.servers import free_port


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

    def clear(self) -> None:
        """Forget what was received."""
        with self._lock:
            self._messages.clear()

    async def wait_for(self, count: int, within: float = 10.0) -> list[EmailMessage]:
        """Wait until at least ``count`` messages arrived; return them all."""
        deadline = time.monotonic() + within
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"expected {count} emails, got {len(self.messages)}"
            await asyncio.sleep(0.02)
        return self.messages


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1, which can be stopped and started again on its port."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.sink = MailSink()
        self._controller: Controller | None = None

    def start(self) -> None:
        """Listen on the port."""
        self._controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening (connections are then refused)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
