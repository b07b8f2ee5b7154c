"""Reading an API key with its account in one statement, as a session is read.

A key's request costs what a session's does: one compiled statement
(``services.machinery.joined_rows``), committed rows, remembered models. The statement
leaves the key's digest out.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from tortoise.models import Model

from models import Account, ApiKey
from services.machinery.joined_rows import JoinedLookup

MEMO_SIZE = 256
"""Rows whose models are remembered (about one per key in use)."""


def _rest(marks: tuple[str, ...]) -> str:
    """Write what follows the models' columns: the join and the key."""
    digest, now = marks
    return (
        f' FROM "{ApiKey._meta.db_table}" k '
        f'JOIN "{Account._meta.db_table}" a ON a."id" = k."account_id" '
        f'WHERE k."digest" = {digest} AND k."revoked_at" IS NULL AND k."expires_at" > {now}'
    )


_lookup = JoinedLookup(
    (("k", ApiKey), ("a", Account)),
    frozenset({"digest"}),
    _rest,
    placeholders=2,
    memo_size=MEMO_SIZE,
)


def _link(built: tuple[Model, ...]) -> None:
    """Point the key at its account."""
    key, account = cast(tuple[ApiKey, Account], built)
    key.account = account


async def key_by_digest(digest: str, now: datetime) -> ApiKey | None:
    """Return the live key stored under ``digest`` (its account loaded), or None."""
    found = await _lookup.first_row([digest, now])
    if found is None:
        return None
    statement, row = found
    key, _ = cast(tuple[ApiKey, Account], _lookup.models(statement, row, _link))
    return key
