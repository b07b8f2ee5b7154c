"""Random bearer tokens and the one-way hashes they are stored as."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from models import OneTimeToken, TokenPurpose
from services.errors import DomainError, ErrorCode

TOKEN_BYTES = 32
"""Entropy of every token: 256 bits."""

LIFETIMES: dict[TokenPurpose, timedelta] = {
    TokenPurpose.LOGIN_CHALLENGE: timedelta(minutes=5),
    TokenPurpose.SETUP_FROM_EMAIL: timedelta(hours=24),
    TokenPurpose.SETUP_FROM_INVITATION: timedelta(minutes=30),
    TokenPurpose.INVITATION: timedelta(days=7),
    TokenPurpose.PASSWORD_RESET: timedelta(hours=1),
}
"""How long each kind of one-time token stays valid."""


def new_token() -> str:
    """Return a fresh URL-safe token with 256 bits of randomness."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest a token is stored and looked up by."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


REPLACES_EARLIER = frozenset(
    {
        TokenPurpose.SETUP_FROM_EMAIL,
        TokenPurpose.SETUP_FROM_INVITATION,
        TokenPurpose.INVITATION,
        TokenPurpose.PASSWORD_RESET,
    }
)
"""Purposes for which a new token voids the operator's earlier ones (a newer link wins).
Login challenges do not: each login, on any device, has its own."""


async def issue(operator_id: int, purpose: TokenPurpose, now: datetime) -> str:
    """Issue a one-time token; for links, it replaces the operator's earlier ones."""
    token = new_token()
    async with in_transaction():
        if purpose in REPLACES_EARLIER:
            await OneTimeToken.filter(operator_id=operator_id, purpose=purpose).delete()
        await OneTimeToken.create(
            operator_id=operator_id,
            purpose=purpose,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    return token


async def find(
    token: str, purposes: tuple[TokenPurpose, ...], now: datetime, field: tuple[str, ...]
) -> OneTimeToken:
    """Return the live token row for ``token``, or raise TOKEN_INVALID / TOKEN_EXPIRED."""
    row = await OneTimeToken.get_or_none(token_hash=hash_token(token), purpose__in=purposes)
    if row is None:
        raise token_invalid(field)
    if row.expires_at <= now:
        raise DomainError(ErrorCode.TOKEN_EXPIRED, "This link or token has expired.", field=field)
    return row


async def consume(row: OneTimeToken, field: tuple[str, ...]) -> None:
    """Use up ``row`` exactly once; a second, concurrent use is refused as TOKEN_INVALID."""
    deleted = await OneTimeToken.filter(id=row.id).delete()
    if deleted != 1:
        raise token_invalid(field)


def token_invalid(field: tuple[str, ...]) -> DomainError:
    """Return the error for an unknown or used token."""
    return DomainError(ErrorCode.TOKEN_INVALID, "This link or token is not valid.", field=field)
