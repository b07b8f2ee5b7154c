"""API keys: an account's machine credentials, shown once and stored as a digest.

A key acts for its account, never as a person: within its scopes it reads what an
administrator reads, and nothing else (it never creates keys, changes a password, enrolls
or reauthenticates). Its secret starts ``twofa_key_`` so that secret scanners and log
redaction recognise it, and carries 256 random bits; only its SHA-256 is stored, and a
request's key is found by that digest, so comparing secrets takes no time that depends on
them. An unknown, expired or revoked key is an invalid bearer token, like an ended session.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from tortoise.transactions import in_transaction

from models import ApiKey, AuditEvent, Operator, Passkey, Session
from services import audit
from services.actors import hold_actor
from services.audit import AuditEventKind
from services.errors import DomainError, ErrorCode, not_found
from services.machinery.client import current_client
from services.machinery.dependencies import Dependencies
from services.machinery.key_lookup import key_by_digest
from services.machinery.tokens import TOKEN_BYTES, hash_token
from services.operators import is_administrator
from services.sessions.reauthentication import ensure_recent_authentication
from services.validation import clean_name
from services.webhooks import events


class ApiKeyScope(StrEnum):
    """What a key may do; each scope is a part of what an administrator may do."""

    READ_OPERATORS = "READ_OPERATORS"
    READ_AUDIT_LOG = "READ_AUDIT_LOG"
    MANAGE_OPERATORS = "MANAGE_OPERATORS"
    MANAGE_TWO_FACTOR_POLICY = "MANAGE_TWO_FACTOR_POLICY"


SECRET_PREFIX = "twofa_key_"  # noqa: S105 - the public prefix of every secret, not a secret
"""How every key's secret starts."""
SHOWN_PREFIX_LENGTH = len(SECRET_PREFIX) + 6
"""How much of the secret ``ApiKey.prefix`` keeps, to tell keys apart."""
DEFAULT_LIFETIME_DAYS = 90
LIFETIME_DAYS = (1, 365)
"""The smallest and largest ``expiresInDays``."""
LAST_USED_PRECISION = timedelta(minutes=1)
"""``lastUsedAt`` is written at most this often."""
NAME_FIELD = ("input", "name")
SCOPES_FIELD = ("input", "scopes")
LIFETIME_FIELD = ("input", "expiresInDays")
KEY_FIELD = ("input", "apiKeyId")


def is_api_key(token: str) -> bool:
    """Tell whether a bearer token is meant as an API key (by its prefix)."""
    return token.startswith(SECRET_PREFIX)


SHOWN_RANDOM_BYTES = 6
"""Random bytes beyond the 256 that stay secret, covering what ``prefix`` shows."""


def new_secret() -> str:
    """Return a fresh key secret: the prefix, then random bits, URL-safe.

    The characters ``prefix`` shows are random too; 256 random bits remain unshown.
    """
    return SECRET_PREFIX + secrets.token_urlsafe(TOKEN_BYTES + SHOWN_RANDOM_BYTES)


MAX_LIVE_KEYS = 100
"""Unrevoked, unexpired keys an account may hold (each has a request budget of its own)."""


def ordered_scopes(scopes: list[ApiKeyScope]) -> list[ApiKeyScope]:
    """Return the scopes once each, in the enum's order; refuse none (INVALID_INPUT)."""
    chosen = [scope for scope in ApiKeyScope if scope in scopes]
    if not chosen:
        raise DomainError(ErrorCode.INVALID_INPUT, "Choose at least one scope.", field=SCOPES_FIELD)
    return chosen


def lifetime(days: int | None) -> timedelta:
    """Return how long a new key lives: ``days`` (1 to 365), 90 by default."""
    if days is None:
        days = DEFAULT_LIFETIME_DAYS
    low, high = LIFETIME_DAYS
    if not low <= days <= high:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"A key lives {low} to {high} days.",
            field=LIFETIME_FIELD,
        )
    return timedelta(days=days)


def holds(key: ApiKey, scope: ApiKeyScope) -> bool:
    """Tell whether a key holds a scope."""
    return scope.value in key.scopes


def scopes_of(key: ApiKey) -> list[ApiKeyScope]:
    """Return the scopes a stored key holds (a value no longer known is ignored)."""
    return [scope for scope in ApiKeyScope if scope.value in key.scopes]


async def create_api_key(
    deps: Dependencies,
    actor: Operator,
    session: Session,
    name: str,
    scopes: list[ApiKeyScope],
    expires_in_days: int | None,
) -> tuple[ApiKey, str]:
    """Create a key of the administrator's account; return it and its secret (shown once).

    Needs a recent authentication. Audited as API_KEY_CREATED with its name, prefix and
    scopes, never its secret.
    """
    ensure_recent_authentication(deps, session)
    name = clean_name(name, NAME_FIELD)
    chosen = ordered_scopes(scopes)
    lives = lifetime(expires_in_days)
    secret = new_secret()
    now = deps.now()
    async with in_transaction():
        me = await hold_actor(actor, session, now, administrator=True)
        live = await ApiKey.filter(
            account_id=me.account_id, revoked_at=None, expires_at__gt=now
        ).count()
        if live >= MAX_LIVE_KEYS:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"An account holds at most {MAX_LIVE_KEYS} live keys: revoke one first.",
                field=NAME_FIELD,
            )
        key = await ApiKey.create(
            account_id=me.account_id,
            name=name,
            scopes=[scope.value for scope in chosen],
            prefix=secret[:SHOWN_PREFIX_LENGTH],
            digest=hash_token(secret),
            created_by_id=me.id,
            created_at=now,
            expires_at=now + lives,
        )
        await audit.record(
            AuditEventKind.API_KEY_CREATED,
            account_id=me.account_id,
            actor_id=me.id,
            now=now,
            details=_described(key),
        )
    return key, secret


async def revoke_api_key(
    deps: Dependencies, actor: Operator, session: Session, key_id: int | None
) -> ApiKey:
    """Revoke a key of the administrator's account at once; revoking it again changes nothing.

    Needs a recent authentication. A key of another account, or none, is NOT_FOUND.
    """
    ensure_recent_authentication(deps, session)
    now = deps.now()
    async with in_transaction():
        me = await hold_actor(actor, session, now, administrator=True)
        key = None
        if key_id is not None:
            key = (
                await ApiKey.filter(id=key_id, account_id=me.account_id)
                .select_for_update(no_key=True)
                .first()
            )
        if key is None:
            raise not_found(KEY_FIELD)
        if key.revoked_at is not None:
            return key
        key.revoked_at = now
        await key.save(update_fields=["revoked_at"])
        await audit.record(
            AuditEventKind.API_KEY_REVOKED,
            account_id=me.account_id,
            actor_id=me.id,
            now=now,
            details=_described(key),
        )
    return key


def _described(key: ApiKey) -> dict[str, object]:
    """Return what the audit log keeps of a key: never its secret or digest."""
    return {
        "apiKeyId": events.global_id("ApiKey", key.id),
        "name": key.name,
        "prefix": key.prefix,
        "scopes": list(key.scopes),
    }


async def keys_page(
    account_id: int, *, before_id: int | None, limit: int
) -> tuple[list[ApiKey], bool]:
    """Return up to ``limit`` of the account's keys older than ``before_id``, newest first.

    The flag says whether older keys follow. Revoked and expired keys are listed too.
    """
    query = ApiKey.filter(account_id=account_id)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    rows = await query.order_by("-id").limit(limit + 1)
    return rows[:limit], len(rows) > limit


async def authenticate_key(secret: str, now: datetime) -> ApiKey | None:
    """Return the live key a secret names (its account loaded), or None.

    Records its use (time and client address) at most once a minute.
    """
    key = await key_by_digest(hash_token(secret), now)
    if key is None:
        return None
    if key.last_used_at is None or key.last_used_at <= now - LAST_USED_PRECISION:
        address = current_client().ip_address
        await ApiKey.filter(id=key.id, last_used_at=key.last_used_at).update(
            last_used_at=now, last_used_address=address
        )
        key.last_used_at, key.last_used_address = now, address
    return key


async def visible_to_key(
    key: ApiKey, type_name: str, object_id: int, now: datetime
) -> Operator | Session | Passkey | AuditEvent | ApiKey | None:
    """Return an object of the key's account that the key may read by id, else None.

    READ_OPERATORS reads operators, their unexpired sessions and passkeys, READ_AUDIT_LOG audit
    events; a key reads itself. Anything else, or of another account, is None, exactly
    like an id that does not exist.
    """
    account_id = key.account_id
    if type_name == "Operator" and holds(key, ApiKeyScope.READ_OPERATORS):
        return await Operator.get_or_none(id=object_id, account_id=account_id)
    if type_name == "Session" and holds(key, ApiKeyScope.READ_OPERATORS):
        return await Session.get_or_none(
            id=object_id, expires_at__gt=now, operator__account_id=account_id
        )
    if type_name == "Passkey" and holds(key, ApiKeyScope.READ_OPERATORS):
        return await Passkey.get_or_none(id=object_id, operator__account_id=account_id)
    if type_name == "AuditEvent" and holds(key, ApiKeyScope.READ_AUDIT_LOG):
        return await AuditEvent.get_or_none(id=object_id, account_id=account_id)
    if type_name == "ApiKey" and object_id == key.id:
        return key
    return None


async def visible_key(viewer: Operator, key_id: int) -> ApiKey | None:
    """Return a key of the viewer's account if they administer it, else None."""
    if not is_administrator(viewer):
        return None
    return await ApiKey.get_or_none(id=key_id, account_id=viewer.account_id)
