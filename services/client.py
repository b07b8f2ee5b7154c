"""Who is calling: the client's address and user agent, for sessions and the audit log.

The GraphQL view records how to tell the caller once per request (``bind_client``); the
audit log asks for it for every event the request writes, so no service has to pass it
along. Most requests write no event, so the caller is only worked out when asked for.
Code that runs outside a request (the command line, the outbox sender) records no client.
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
