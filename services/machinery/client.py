"""Who is calling: the client's address and user agent, the one way services learn it.

The GraphQL view records how to tell the caller once per request (``bind_client``); every
service that needs the caller asks ``current_client()``: the audit log for each event, a new
session for the address and user agent it keeps, the login throttle and the hasher's fair
queue for the address they count by. No service takes the caller as an argument, so none
can forget to pass it. Most requests need it nowhere, so the caller is only worked out when
asked for. Code that runs outside a request (the command line, the outbox sender) has no
client: an empty ``Client``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

MAX_USER_AGENT_LENGTH = 512
"""Longest User-Agent kept (the rest is cut off)."""


@dataclass(frozen=True)
class Client:
    """Who is calling, as far as the server can tell."""

    ip_address: str | None = None
    """The client's address (the proxy's, unless forwarded headers are trusted)."""
    user_agent: str | None = None
    """The User-Agent header, if any, at most MAX_USER_AGENT_LENGTH characters."""

    @classmethod
    def of(cls, ip_address: str | None, user_agent: str | None) -> Client:
        """Return the client with its user agent cut to the stored length."""
        return cls(ip_address, (user_agent or "")[:MAX_USER_AGENT_LENGTH] or None)


_current: ContextVar[Callable[[], Client] | None] = ContextVar("twofa_client", default=None)


def bind_client(client: Callable[[], Client]) -> None:
    """Record how to tell the caller of the request being served (in its own context)."""
    _current.set(client)


def current_client() -> Client:
    """Return the caller of the request being served (empty outside a request)."""
    client = _current.get()
    return client() if client is not None else Client()
