"""A real SMTP server for tests (aiosmtpd on a loopback port) and ways to read what it got."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any
from urllib.parse import unquote

from aiosmtpd.controller import Controller


def free_port() -> int:
    """Return a TCP port on loopback that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class MailSink:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self._messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
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


def text_of(message: EmailMessage) -> str:
    """The text/plain part of a message."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content: str = part.get_content()
    return content


def html_of(message: EmailMessage) -> str:
    """The text/html part of a message."""
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    content: str = part.get_content()
    return content


def link_token(message: EmailMessage, url_prefix: str) -> str:
    """The token of the link starting with ``url_prefix`` in the message's text."""
    found = re.search(re.escape(url_prefix) + r"\?token=(\S+)", text_of(message))
    assert found, f"no link to {url_prefix} in:\n{text_of(message)}"
    return unquote(found.group(1))
