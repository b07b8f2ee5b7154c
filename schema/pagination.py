"""Relay cursors and page-size rules shared by every connection."""

from __future__ import annotations

from strawberry.relay.utils import from_base64, to_base64

from schema.errors import invalid_argument

DEFAULT_PAGE_SIZE = 50
"""Items per page when the client does not say."""
MAX_PAGE_SIZE = 100
"""Most items one page may hold."""


def page_size(first: int | None) -> int:
    """Return the number of items to load for ``first``, refusing values out of range."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise invalid_argument(f"first must be between 0 and {MAX_PAGE_SIZE}.")
    return first


def encode_cursor(kind: str, key: int) -> str:
    """Return the opaque cursor of the item with ``key`` in a list of ``kind``."""
    return to_base64(kind, key)


def decode_cursor(kind: str, cursor: str | None) -> int | None:
    """Return the key inside a cursor of ``kind`` (None: from the start), refusing others."""
    if cursor is None:
        return None
    try:
        cursor_kind, key = from_base64(cursor)
        if cursor_kind != kind:
            raise ValueError(cursor_kind)
        return int(key)
    except ValueError as error:
        raise invalid_argument("The cursor is not valid for this list.") from error
