"""Configuration read from the environment, as documented in the README."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mail.transport import SmtpConfig
from services.key_budget import DEFAULT_PER_MINUTE
from services.machinery.hashing import Argon2Parameters
from services.machinery.throttle import LoginRates
from twofa.logs import LOG_FORMATS
from twofa.persisted_documents import ManifestError, PersistedDocuments

DEFAULT_DATABASE_URL = "sqlite://data/twofa.sqlite3"
DEFAULT_PORT = 8000
"""Port ``twofa serve`` (and ``make run``) listens on unless told otherwise."""
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
"""An HTTP field name: an RFC 9110 token."""
SMTP_TLS_MODES = ("none", "starttls", "tls")
PASSWORD_HASH_RANGES = {
    "PASSWORD_HASH_TIME_COST": (1, 20),
    "PASSWORD_HASH_MEMORY_KIB": (8192, 4194304),
    "PASSWORD_HASH_PARALLELISM": (1, 64),
}
"""Accepted values of the argon2id settings: at least 8 MiB, at most 4 GiB of memory."""


class ConfigurationError(Exception):
    """Raised when an environment variable holds a value twofa cannot use."""


@dataclass(frozen=True)
class Settings:
    """Everything twofa reads from its environment, parsed and validated once."""

    database_url: str = DEFAULT_DATABASE_URL
    """Tortoise database URL: ``sqlite://path`` or ``postgres://user@host:port/db``."""
    public_url: str = f"http://localhost:{DEFAULT_PORT}"
    """Base of the links put in emails, without a trailing slash."""
    smtp_host: str | None = None
    """SMTP server; when unset, mail is written to the log instead of sent."""
    smtp_port: int = 587
    """SMTP server port."""
    smtp_username: str | None = None
    """SMTP login name, if the server wants one."""
    smtp_password: str | None = None
    """SMTP password, if the server wants one."""
    smtp_tls: str = "starttls"
    """Transport security towards the SMTP server: ``none``, ``starttls`` or ``tls``."""
    mail_from: str = "twofa@localhost"
    """Sender address of every email."""
    totp_issuer: str = "twofa"
    """Issuer shown in authenticator apps."""
    encryption_keys: tuple[str, ...] = ()
    """Fernet keys; the first encrypts, all decrypt. Empty: a key file beside the SQLite file."""
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    """Origins allowed to call the API from a browser."""
    cors_allow_headers: tuple[str, ...] = field(default_factory=tuple)
    """Request headers a browser may send besides ``Authorization`` and ``Content-Type``."""
    reauthentication_window_seconds: int = 7200
    """How long after a login or ``reauthenticate`` sensitive actions are allowed."""
    password_hash: Argon2Parameters = field(default_factory=Argon2Parameters)
    """Cost of argon2id for new password hashes; older hashes are redone at the next login."""
    login_rates: LoginRates = field(default_factory=LoginRates)
    """Successful logins per minute per client address and per account, before RATE_LIMITED."""
    login_refusal_delay_ms: int = 1000
    """Milliseconds the answer to a login refused by a lock or a spent budget is held back."""
    metrics_token: str | None = None
    """Bearer token ``GET /metrics`` requires; unset, metrics are served to loopback only."""
    log_format: str = "text"
    """``text`` or ``json`` (one JSON object per line)."""
    api_key_rate_limit: int = DEFAULT_PER_MINUTE
    """Requests a minute each API key may make, in all processes together."""
    persisted_documents: PersistedDocuments = field(
        default_factory=PersistedDocuments, compare=False
    )
    """The manifest of ``PERSISTED_DOCUMENTS`` (none: empty), and whether only it may run."""
    webhook_allow_private_networks: bool = False
    """Let webhooks reach loopback, private and link-local addresses, and plain http."""

    def smtp(self) -> SmtpConfig | None:
        """Return the SMTP server to send through, or None to write mail to the log."""
        if self.smtp_host is None:
            return None
        return SmtpConfig(
            host=self.smtp_host,
            port=self.smtp_port,
            username=self.smtp_username,
            password=self.smtp_password,
            tls=self.smtp_tls,
            mail_from=self.mail_from,
        )

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is an SQLite file (or memory)."""
        return self.database_url.startswith("sqlite://")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, port: int | None = None) -> Settings:
        """Build the settings from ``env`` (the process environment by default).

        Without ``PUBLIC_URL`` links point at this machine on ``port`` (``DEFAULT_PORT``).
        """
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        smtp_tls = (get("SMTP_TLS") or "starttls").lower()
        if smtp_tls not in SMTP_TLS_MODES:
            raise ConfigurationError(f"SMTP_TLS must be one of {', '.join(SMTP_TLS_MODES)}")
        port_text = get("SMTP_PORT") or "587"
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigurationError("SMTP_PORT must be a port number")
        window_text = get("REAUTHENTICATION_WINDOW") or "7200"
        if not window_text.isdigit() or not 60 <= int(window_text) <= 86400:
            raise ConfigurationError("REAUTHENTICATION_WINDOW must be 60 to 86400 seconds")
        log_format = (get("LOG_FORMAT") or "text").lower()
        if log_format not in LOG_FORMATS:
            raise ConfigurationError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
        defaults = Argon2Parameters()
        time_cost, memory_kib, parallelism = (
            _bounded_int(name, get(name), default, PASSWORD_HASH_RANGES[name])
            for name, default in (
                ("PASSWORD_HASH_TIME_COST", defaults.time_cost),
                ("PASSWORD_HASH_MEMORY_KIB", defaults.memory_cost_kib),
                ("PASSWORD_HASH_PARALLELISM", defaults.parallelism),
            )
        )
        rates = LoginRates()
        per_address, per_account = (
            _bounded_int(name, get(name), default, (1, 1_000_000))
            for name, default in (
                ("LOGIN_RATE_PER_ADDRESS", rates.per_address),
                ("LOGIN_RATE_PER_ACCOUNT", rates.per_account),
            )
        )
        refusal_delay_ms = _bounded_int(
            "LOGIN_REFUSAL_DELAY_MS", get("LOGIN_REFUSAL_DELAY_MS"), 1000, (0, 10_000)
        )
        api_key_rate_limit = _bounded_int(
            "API_KEY_RATE_LIMIT", get("API_KEY_RATE_LIMIT"), DEFAULT_PER_MINUTE, (1, 1_000_000)
        )
        return cls(
            api_key_rate_limit=api_key_rate_limit,
            webhook_allow_private_networks=_flag(
                "WEBHOOK_ALLOW_PRIVATE_NETWORKS", get("WEBHOOK_ALLOW_PRIVATE_NETWORKS")
            ),
            persisted_documents=_persisted_documents(
                get("PERSISTED_DOCUMENTS"), get("PERSISTED_DOCUMENTS_ONLY")
            ),
            database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            public_url=(get("PUBLIC_URL") or local_url(port or DEFAULT_PORT)).rstrip("/"),
            smtp_host=get("SMTP_HOST"),
            smtp_port=int(port_text),
            smtp_username=get("SMTP_USERNAME"),
            smtp_password=get("SMTP_PASSWORD"),
            smtp_tls=smtp_tls,
            mail_from=get("MAIL_FROM") or cls.mail_from,
            totp_issuer=get("TOTP_ISSUER") or cls.totp_issuer,
            encryption_keys=_split(get("ENCRYPTION_KEYS")),
            cors_origins=_split(get("CORS_ORIGINS")),
            cors_allow_headers=_header_names(get("CORS_ALLOW_HEADERS")),
            reauthentication_window_seconds=int(window_text),
            password_hash=Argon2Parameters(
                time_cost=time_cost, memory_cost_kib=memory_kib, parallelism=parallelism
            ),
            metrics_token=get("METRICS_TOKEN"),
            log_format=log_format,
            login_rates=LoginRates(per_address=per_address, per_account=per_account),
            login_refusal_delay_ms=refusal_delay_ms,
        )


def local_url(port: int) -> str:
    """Return the address of a server listening on this machine's loopback on ``port``.

    ``localhost`` rather than an IP address: browsers treat it as a secure context and
    WebAuthn needs a domain as its relying party id, so passkeys work locally.
    """
    return f"http://localhost:{port}"


def _persisted_documents(path: str | None, only: str | None) -> PersistedDocuments:
    """Load PERSISTED_DOCUMENTS's manifest, as PERSISTED_DOCUMENTS_ONLY says (default false)."""
    only_flag = _flag("PERSISTED_DOCUMENTS_ONLY", only)
    if path is None:
        if only_flag:
            raise ConfigurationError("PERSISTED_DOCUMENTS_ONLY=true needs PERSISTED_DOCUMENTS")
        return PersistedDocuments()
    try:
        return PersistedDocuments.load(Path(path), only=only_flag)
    except ManifestError as error:
        raise ConfigurationError(f"PERSISTED_DOCUMENTS: {error}") from error


def _flag(name: str, value: str | None) -> bool:
    """Parse a true/false variable (unset: false)."""
    if value is None:
        return False
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise ConfigurationError(f"{name} must be true or false")


def _header_names(value: str | None) -> tuple[str, ...]:
    """Parse CORS_ALLOW_HEADERS: comma-separated header names, lower-cased."""
    names = _split(value)
    for name in names:
        if not HEADER_NAME.fullmatch(name):
            raise ConfigurationError(f"CORS_ALLOW_HEADERS: {name!r} is not a header name")
    return tuple(name.lower() for name in names)


def _bounded_int(name: str, text: str | None, default: int, bounds: tuple[int, int]) -> int:
    """Parse an integer variable, or raise ConfigurationError naming it and its range."""
    if text is None:
        return default
    low, high = bounds
    if not text.isdigit() or not low <= int(text) <= high:
        raise ConfigurationError(f"{name} must be a whole number from {low} to {high}")
    return int(text)


def _split(value: str | None) -> tuple[str, ...]:
    """Split a comma-separated variable into its non-empty parts."""
    if not value:
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())
