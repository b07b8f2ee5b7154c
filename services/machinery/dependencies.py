"""The domain layer's dependencies, handed to every service as one object."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from mail.outbox import Outbox
from services.machinery.clock import Clock
from services.machinery.encryption import SecretBox
from services.machinery.hashing import PasswordHasher
from services.machinery.throttle import LoginRates
from services.webhooks.addresses import WebhookNetwork

DEFAULT_PORTS = {"https": 443, "http": 80}
"""The port each scheme implies."""


@dataclass(frozen=True)
class RelyingParty:
    """Who passkeys are registered with (WebAuthn's relying party), from ``PUBLIC_URL``."""

    id: str
    """The relying-party id: the host of the public URL (no scheme, no port)."""
    origin: str
    """The origin browsers report: scheme://host[:port] of the public URL."""
    name: str = "twofa"
    """The name an authenticator may show beside the credential."""

    @classmethod
    def of(cls, public_url: str, name: str = "twofa") -> RelyingParty:
        """Return the relying party served at ``public_url``."""
        parts = urlsplit(public_url)
        host = parts.hostname or "localhost"
        scheme = parts.scheme.lower()
        # Browsers leave a scheme's default port out of the origin they report.
        port = parts.port if parts.port not in (None, DEFAULT_PORTS.get(scheme)) else None
        shown_host = f"[{host}]" if ":" in host else host
        origin = f"{scheme}://{shown_host}" + (f":{port}" if port is not None else "")
        return cls(id=host, origin=origin, name=name)


@dataclass(frozen=True)
class Dependencies:
    """What the domain rules need from outside: time, hashing, encryption and mail.

    The application builds one at start; tests build theirs with a frozen clock and cheap
    hash parameters.
    """

    clock: Clock
    """Where "now" comes from (a ``FrozenClock`` in tests)."""
    hasher: PasswordHasher
    """Hashes and verifies passwords and recovery codes."""
    box: SecretBox
    """Encrypts TOTP secrets at rest."""
    outbox: Outbox
    """Queues emails inside the transaction of the change they report."""
    totp_issuer: str = "twofa"
    """Issuer shown in authenticator apps."""
    reauthentication_window: timedelta = timedelta(hours=2)
    """How long after a login or ``reauthenticate`` sensitive actions are allowed."""
    login_rates: LoginRates = field(default_factory=LoginRates)
    """Successful logins allowed per minute per client address and per account."""
    refusal_delay: timedelta = timedelta(seconds=1)
    """How long the answer to a login refused by a lock or a spent budget is held back."""
    webhook_network: WebhookNetwork = field(default_factory=WebhookNetwork)
    """Where webhooks may be delivered, and how their hosts are resolved."""
    relying_party: RelyingParty = field(default_factory=lambda: RelyingParty.of("http://localhost"))
    """Who passkeys are registered with and for which origin assertions are accepted."""

    def now(self) -> datetime:
        """Return the current instant from the clock."""
        return self.clock.now()
