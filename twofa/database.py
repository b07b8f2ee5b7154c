"""Tortoise configuration and migrations for the configured database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api.migrate import migrate

MODEL_MODULES = ["models"]
MIGRATIONS_MODULE = "models.migrations"


def tortoise_config(database_url: str) -> dict[str, Any]:
    """Return the Tortoise config for ``database_url`` with twofa's models and migrations.

    SQLite connections use ``twofa.sqlite_engine``, whose transactions begin immediately,
    so that several processes can share one database file.
    """
    connection: str | dict[str, Any] = database_url
    if database_url.startswith("sqlite://"):
        connection = {**expand_db_url(database_url), "engine": "twofa.sqlite_engine"}
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "migrations": MIGRATIONS_MODULE,
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def sqlite_path(database_url: str) -> Path | None:
    """Return the file behind an ``sqlite://`` URL, or None for other databases and memory."""
    if not database_url.startswith("sqlite://"):
        return None
    path = database_url.removeprefix("sqlite://").split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return Path(path)


def ensure_sqlite_directory(database_url: str) -> None:
    """Create the folder of an SQLite database file so the first connection can create it."""
    path = sqlite_path(database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


async def apply_migrations(database_url: str) -> None:
    """Apply every pending migration to ``database_url``, then close the connections."""
    ensure_sqlite_directory(database_url)
    try:
        await migrate(config=tortoise_config(database_url))
    finally:
        await Tortoise.close_connections()


MIGRATIONS_AUTHORING_CONFIG = tortoise_config("sqlite://:memory:")
"""Config for ``tortoise makemigrations`` (``make migration``): it compares the models with
the migration files, not with a live database."""
