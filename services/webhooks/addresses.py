"""Where webhooks may go: https URLs whose host resolves to public addresses only.

A server that POSTs to URLs its customers choose can be aimed at what only it can reach
(the metadata service at 169.254.169.254, an admin port on loopback, the private network).
So a URL is refused unless every address its host resolves to is global, both when the
endpoint is saved and at each delivery; the delivery then connects to the address it
checked, so a name that resolves differently a moment later (DNS rebinding) changes nothing.
``allow_private`` (``WEBHOOK_ALLOW_PRIVATE_NETWORKS``, for development and tests) lifts
the address rule and allows ``http``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

from services.errors import DomainError, ErrorCode

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""Returns the addresses a host name resolves to (for a port), as text."""

MAX_URL_LENGTH = 2048
"""The longest endpoint URL accepted."""


async def resolve_with_dns(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the system's resolver (an address literal answers itself)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: str) -> bool:
    """Tell whether ``address`` is a global unicast address (an IPv4-mapped one as IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Target:
    """A URL checked for delivery: where to connect, and what to name in Host and TLS."""

    url: SplitResult
    """The endpoint's URL, parsed."""
    host: str
    """The host name of the URL (what the certificate must name)."""
    port: int
    """The port to connect to."""
    address: str
    """The checked address to connect to."""

    def address_url(self) -> str:
        """Return the URL with the checked address in place of the host name."""
        literal = f"[{self.address}]" if ":" in self.address else self.address
        return self.url._replace(netloc=f"{literal}:{self.port}").geturl()

    def host_header(self) -> str:
        """Return the Host header the URL implies."""
        default = 443 if self.url.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def invalid_url(message: str, field_path: tuple[str, ...] | None) -> DomainError:
    """Return the INVALID_URL error with ``message``."""
    return DomainError(ErrorCode.INVALID_URL, message, field=field_path)


@dataclass(frozen=True)
class WebhookNetwork:
    """The rule of where deliveries may go, and how host names are resolved."""

    allow_private: bool = False
    """Allow loopback, private and link-local addresses, and plain http."""
    resolve: Resolver = field(default=resolve_with_dns)
    """How host names are resolved (tests map names to addresses of their choosing)."""

    def parse(self, url: str, field_path: tuple[str, ...] | None = None) -> SplitResult:
        """Return the URL parsed if its form is acceptable, else raise INVALID_URL."""
        if len(url) > MAX_URL_LENGTH or any(ch.isspace() or ord(ch) < 32 for ch in url):
            raise invalid_url("Enter a URL of at most 2048 characters.", field_path)
        parts = urlsplit(url)
        schemes = ("https", "http") if self.allow_private else ("https",)
        if parts.scheme not in schemes:
            raise invalid_url("The URL must start with https://.", field_path)
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            host = port = None
        if not host or parts.username is not None or parts.password is not None:
            raise invalid_url("Enter a URL with a host name and no user name.", field_path)
        if parts.fragment:
            raise invalid_url("A webhook URL has no #fragment.", field_path)
        if port == 0:
            raise invalid_url("Enter a URL with a valid port.", field_path)
        return parts

    async def target(self, url: str, field_path: tuple[str, ...] | None = None) -> Target:
        """Check ``url`` and resolve its host; return where to connect, or raise INVALID_URL.

        Every address the host resolves to must be public (unless private networks are
        allowed): one private address among public ones refuses the URL too.
        """
        parts = self.parse(url, field_path)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = await self.resolve(host, port)
        except (OSError, UnicodeError):
            addresses = []
        if not addresses:
            raise invalid_url("The URL's host name does not resolve.", field_path)
        if not self.allow_private and not all(is_public(address) for address in addresses):
            raise invalid_url(
                "The URL's host resolves to a private, loopback or link-local address.",
                field_path,
            )
        return Target(url=parts, host=host, port=port, address=addresses[0])
