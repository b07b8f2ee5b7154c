"""Where the encryption keys come from: ENCRYPTION_KEYS, or a key file beside SQLite."""

from __future__ import annotations

import logging
from pathlib import Path

from services.machinery.encryption import InvalidKeyError, SecretBox, generate_key
from twofa.database import sqlite_path, write_private_file
from twofa.settings import ConfigurationError, Settings

logger = logging.getLogger("twofa.keys")


def key_file_for(database_url: str) -> Path | None:
    """Return the key file kept beside an SQLite database file, or None for other databases."""
    path = sqlite_path(database_url)
    return path.with_name(path.name + ".key") if path is not None else None


def secret_box(settings: Settings) -> SecretBox:
    """Return the box for the configured keys.

    Without ENCRYPTION_KEYS, an SQLite database gets a key generated once and kept beside
    it in a file only its owner may read (0600, with a warning); PostgreSQL refuses to
    start, since its secrets would otherwise be encrypted with a key that lives on one
    machine only.
    """
    try:
        return SecretBox(_keys(settings))
    except InvalidKeyError as error:
        raise ConfigurationError(f"ENCRYPTION_KEYS: {error}") from error


def _keys(settings: Settings) -> tuple[str, ...]:
    if settings.encryption_keys:
        return settings.encryption_keys
    if not settings.is_sqlite:
        raise ConfigurationError("ENCRYPTION_KEYS is required with a PostgreSQL database")
    key_file = key_file_for(settings.database_url)
    if key_file is None:
        logger.warning(
            "ENCRYPTION_KEYS unset and the database is in memory: using a throw-away key"
        )
        return (generate_key(),)
    if not key_file.exists():
        write_private_file(key_file, generate_key())
        logger.warning(
            "ENCRYPTION_KEYS unset: generated a key in %s; back it up with the database, "
            "and set ENCRYPTION_KEYS in production",
            key_file,
        )
    return (key_file.read_text().strip(),)
