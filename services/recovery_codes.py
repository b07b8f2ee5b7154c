"""Recovery codes: ten single-use stand-ins for a TOTP code, kept only as argon2id hashes."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterable
from datetime import datetime

from tortoise.functions import Count

from models import RecoveryCode
from services.passwords import PasswordHasher

COUNT = 10
"""Codes issued at a time."""
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""Letters and digits that cannot be mistaken for one another (no i, l, o, 0, 1)."""
LENGTH = 10
"""Characters per code (about 50 bits), shown as two groups of five."""


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


async def generate(hasher: PasswordHasher) -> tuple[list[str], list[str]]:
    """Return a new set of codes (to show once) and their hashes (to store)."""
    codes = [new_code() for _ in range(COUNT)]
    hashes = await asyncio.gather(*(hasher.hash(normalize(code) or "") for code in codes))
    return codes, list(hashes)


async def store(operator_id: int, hashes: Iterable[str]) -> None:
    """Replace the operator's codes with ``hashes``; call inside the caller's transaction."""
    await RecoveryCode.filter(operator_id=operator_id).delete()
    await RecoveryCode.bulk_create(
        [RecoveryCode(operator_id=operator_id, code_hash=code_hash) for code_hash in hashes]
    )


async def find_unused(operator_id: int, code: str, *, hasher: PasswordHasher) -> int | None:
    """Return the id of the operator's unused code that ``code`` is, or None."""
    canonical = normalize(code)
    if canonical is None:
        return None
    for row in await RecoveryCode.filter(operator_id=operator_id, used_at__isnull=True):
        if await hasher.verify(row.code_hash, canonical):
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
