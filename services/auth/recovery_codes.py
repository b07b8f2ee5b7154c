"""Recovery codes: ten single-use stand-ins for a TOTP code, kept only as sealed digests.

A code carries about 50 random bits, which no slow hash makes safe against someone holding
the key that checks it, and which a fast keyed hash makes safe against everyone else. So
each code is stored as HMAC-SHA256 under a random key of its own, and that key and the
digest are sealed together in a Fernet token under ``ENCRYPTION_KEYS``: a database dump
without the keys tells nothing about the codes, checking a code costs a few Fernet
decryptions and HMACs (well under a millisecond for ten), and ``twofa rotate-keys``
re-seals the tokens like any other secret, so key rotation keeps codes working.

Codes issued before this scheme have only an argon2id ``code_hash``; they are still
checked the old way (one argon2 verification per unused old code) until the operator
regenerates their codes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime

from cryptography.fernet import InvalidToken
from tortoise.functions import Count

from models import RecoveryCode
from services.machinery.encryption import SecretBox
from services.machinery.hashing import PasswordHasher

COUNT = 10
"""Codes issued at a time."""
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""Letters and digits that cannot be mistaken for one another (no i, l, o, 0, 1)."""
LENGTH = 10
"""Characters per code (about 50 bits), shown as two groups of five."""
SEALED_PREFIX = "hmac-sha256:"
"""Start of a sealed digest's plaintext, naming its scheme."""


def new_code() -> str:
    """Return a random recovery code formatted for reading, e.g. ``k7m2p-qx9ra``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalize(code: str) -> str | None:
    """Return the canonical form of a typed recovery code, or None if it cannot be one."""
    compact = code.strip().lower().replace("-", "").replace(" ", "")
    if len(compact) != LENGTH or any(char not in ALPHABET for char in compact):
        return None
    return compact


async def generate(box: SecretBox) -> tuple[list[str], list[str]]:
    """Return a new set of codes (to show once) and their sealed digests (to store)."""
    codes = [new_code() for _ in range(COUNT)]
    return codes, [seal(box, normalize(code) or "") for code in codes]


def seal(box: SecretBox, canonical: str) -> str:
    """Return the Fernet token of a fresh HMAC key and the HMAC of ``canonical`` under it."""
    key = secrets.token_bytes(32)
    return box.encrypt(f"{SEALED_PREFIX}{key.hex()}:{_mac(key, canonical).hex()}")


def matches(box: SecretBox, sealed: str, canonical: str) -> bool:
    """Tell, in constant time for the digest, whether ``canonical`` is the sealed code."""
    try:
        scheme, key_hex, mac_hex = box.decrypt(sealed).rsplit(":", 2)
        key, mac = bytes.fromhex(key_hex), bytes.fromhex(mac_hex)
    except (ValueError, InvalidToken):
        return False
    return f"{scheme}:" == SEALED_PREFIX and hmac.compare_digest(mac, _mac(key, canonical))


def _mac(key: bytes, canonical: str) -> bytes:
    return hmac.new(key, canonical.encode("ascii"), hashlib.sha256).digest()


async def store(operator_id: int, sealed: Iterable[str]) -> None:
    """Replace the operator's codes with ``sealed`` ones; call inside the caller's transaction."""
    await RecoveryCode.filter(operator_id=operator_id).delete()
    await RecoveryCode.bulk_create(
        [RecoveryCode(operator_id=operator_id, code_hash="", code_sealed=value) for value in sealed]
    )


async def find_unused(
    operator_id: int, code: str, *, box: SecretBox, hasher: PasswordHasher
) -> int | None:
    """Return the id of the operator's unused code that ``code`` is, or None.

    Every sealed code is compared (no early exit), so the time does not tell which one
    matched; old argon2id codes are tried only when no sealed one matched.
    """
    canonical = normalize(code)
    if canonical is None:
        return None
    rows = await RecoveryCode.filter(operator_id=operator_id, used_at__isnull=True)
    found: int | None = None
    for row in rows:
        if row.code_sealed is not None and matches(box, row.code_sealed, canonical):
            found = row.id
    if found is not None:
        return found
    for row in rows:
        if row.code_sealed is None and await hasher.verify(row.code_hash, canonical):
            return row.id
    return None


async def spend(code_id: int, now: datetime) -> bool:
    """Mark a code used; False when it already was (a concurrent use won)."""
    spent = await RecoveryCode.filter(id=code_id, used_at__isnull=True).update(used_at=now)
    return spent == 1


async def remaining_by_operator(operator_ids: Iterable[int]) -> dict[int, int]:
    """Return how many unused codes each operator has, in one query."""
    ids = list(operator_ids)
    counts = dict.fromkeys(ids, 0)
    rows = (
        await RecoveryCode.filter(operator_id__in=ids, used_at__isnull=True)
        .annotate(unused=Count("id"))
        .group_by("operator_id")
        .values("operator_id", "unused")
    )
    for row in rows:
        counts[row["operator_id"]] = row["unused"]
    return counts
