"""Opaque global ids: ``base64("Type:key")``, as Relay expects."""

from __future__ import annotations

from strawberry.relay import GlobalID

MAX_KEY = 2**31 - 1
"""Largest primary key (the tables use 32-bit integer keys); larger ids exist nowhere."""


def decode_id(global_id: str, type_name: str) -> int | None:
    """Return the key inside ``global_id`` if it names an object of ``type_name``, else None.

    Malformed ids and ids of other types answer None, which callers treat like an id that
    does not exist.
    """
    parsed = parse_id(global_id)
    if parsed is None or parsed[0] != type_name:
        return None
    return parsed[1]


def parse_id(global_id: str) -> tuple[str, int] | None:
    """Return the type name and key inside ``global_id``, or None when it is malformed."""
    try:
        decoded = GlobalID.from_id(global_id)
        key = int(decoded.node_id)
    except (ValueError, TypeError):
        return None
    if not 1 <= key <= MAX_KEY:
        return None
    return decoded.type_name, key


def encode_id(type_name: str, key: int) -> str:
    """Return the global id of the object ``key`` of ``type_name``."""
    return str(GlobalID(type_name, str(key)))
