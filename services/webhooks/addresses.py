"""Where webhooks may go: https URLs whose host resolves to public addresses only.

A server that POSTs to URLs its customers choose can be aimed at what only it can reach
(the metadata service at 169.254.169.254, an admin port on loopback, the private network).
So a URL is refused unless every address its host resolves to is public, both when the
endpoint is saved and at each delivery; the delivery then connects to the address it
checked, so a name that resolves differently a moment later (DNS rebinding) changes nothing.
``allow_private`` (``WEBHOOK_ALLOW_PRIVATE_NETWORKS``, for development and tests) lifts
the address rule and allows ``http``.

Names are resolved with dnspython's asynchronous resolver, bounded by ``RESOLVE_SECONDS``:
a customer's slow name server holds no thread (the system resolver would hold one of the
process's shared pool for as long as it takes) and no attempt past its deadline.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

import dns.asyncresolver
import dns.exception
import dns.resolver

from services.errors import DomainError, ErrorCode

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""Returns the addresses a host name resolves to (for a port), as text."""

MAX_URL_LENGTH = 2048
"""The longest endpoint URL accepted."""


RESOLVE_SECONDS = 5.0
"""How long resolving a host name may take, all its queries together."""


async def resolve_with_dns(host: str, port: int) -> list[str]:
    """Return the A and AAAA addresses of ``host`` (an address literal answers itself).

    Asked of the name servers directly, asynchronously, within ``RESOLVE_SECONDS``; a name
    that does not resolve in time answers no address.
    """
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        resolver = dns.asyncresolver.Resolver()
    except dns.resolver.NoResolverConfiguration:
        return []

    async def ask(kind: str) -> list[str]:
        try:
            answer = await resolver.resolve(host, kind, lifetime=RESOLVE_SECONDS)
        except dns.exception.DNSException:
            return []
        return [record.to_text() for record in answer]

    found = await asyncio.gather(ask("A"), ask("AAAA"))
    return list(dict.fromkeys(found[0] + found[1]))


async def resolve_with_system(host: str, port: int) -> list[str]:
    """Resolve ``host`` as the system does (``/etc/hosts`` too): for private networks only.

    It holds a thread of the process's shared pool while it runs, bounded here by
    ``RESOLVE_SECONDS``; production resolves with ``resolve_with_dns``.
    """
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_SECONDS):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


PUBLIC_IPV6 = ipaddress.IPv6Network("2000::/3")
"""Global unicast IPv6: everything else (loopback, link-local, unique local, mapped,
compatible, NAT64's 64:ff9b::/96 and 64:ff9b:1::/48, multicast) is not public."""
NOT_PUBLIC = tuple(
    ipaddress.ip_network(block)
    for block in (
        # IPv4 blocks that are not public, whatever the runtime's tables say.
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        # Global unicast IPv6 blocks that carry an IPv4 address or lead elsewhere: 6to4,
        # Teredo, and the documentation and benchmarking prefixes.
        "2002::/16", "2001::/32", "2001:2::/48", "2001:db8::/32",
    )
)  # fmt: skip
"""Address blocks refused even where the runtime's ``is_global`` would accept them."""


def is_public(address: str) -> bool:
    """Tell whether ``address`` is a public unicast address a webhook may be sent to.

    An IPv4-mapped IPv6 address counts as its IPv4 address; any other IPv6 address must be
    global unicast (``2000::/3``) outside the blocks that embed an IPv4 address.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip not in PUBLIC_IPV6:
            return False
    if any(ip in block for block in NOT_PUBLIC if block.version == ip.version):
        return False
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

    @classmethod
    def configured(cls, *, allow_private: bool) -> WebhookNetwork:
        """Return the network of a deployment.

        With private networks (development) names resolve as the system resolves them, so
        that names in ``/etc/hosts`` work; else the name servers are asked directly.
        """
        return cls(
            allow_private=allow_private,
            resolve=resolve_with_system if allow_private else resolve_with_dns,
        )

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
        if host.endswith("."):
            raise invalid_url("Enter the host name without a trailing dot.", field_path)
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
        host = ascii_host(parts.hostname or "", field_path)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = await self.resolve(host, port)
        if not addresses or (
            not self.allow_private and not all(is_public(address) for address in addresses)
        ):
            # One message for both: what a name resolves to inside is nobody's business.
            raise invalid_url(
                "The URL's host must resolve to public addresses only (not loopback, "
                "private or link-local).",
                field_path,
            )
        return Target(url=parts, host=host, port=port, address=addresses[0])


def ascii_host(host: str, field_path: tuple[str, ...] | None) -> str:
    """Return the host name in its ASCII (IDNA) form, as DNS, TLS and Host headers need."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise invalid_url("Enter a valid host name.", field_path) from None
