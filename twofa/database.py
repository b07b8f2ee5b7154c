"""Tortoise configuration and migrations for the configured database.

The files of an SQLite database are private to the user running twofa: its folder is
created 0700 and the database file 0600 (created empty here, before SQLite opens it).
SQLite gives the ``-wal`` and ``-shm`` files it creates later the permissions of the
database file (``findCreateFileMode`` and ``unixOpenSharedMemory`` in its ``os_unix.c``),
so they are 0600 too whatever the process umask. Existing files keep their modes.
"""

from __future__ import annotations

import contextlib
import os
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
    so that several processes can share one database file. A missing SQLite file is
    created here, private, so that SQLite never creates it with the process umask.
    """
    connection: str | dict[str, Any] = database_url
    if database_url.startswith("sqlite://"):
        create_private_sqlite_file(database_url)
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


def private_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) when missing, the folder itself 0700."""
    if not folder.exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)


def write_private_file(path: Path, text: str) -> None:
    """Create ``path`` 0600 (in a 0700 folder when it makes one) and write ``text`` to it.

    The mode is set as the file is created, so it is never readable by others, whatever the
    umask; an existing file raises FileExistsError.
    """
    private_folder(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def create_private_sqlite_file(database_url: str) -> None:
    """Create an SQLite database's folder (0700) and empty file (0600) when missing."""
    path = sqlite_path(database_url)
    if path is None:
        return
    with contextlib.suppress(FileExistsError):
        write_private_file(path, "")


async def apply_migrations(database_url: str) -> None:
    """Apply every pending migration to ``database_url``, then close the connections."""
    try:
        await migrate(config=tortoise_config(database_url))
    finally:
        await Tortoise.close_connections()


MIGRATIONS_AUTHORING_CONFIG = tortoise_config("sqlite://:memory:")
"""Config for ``tortoise makemigrations`` (``make migration``): it compares the models with
the migration files, not with a live database."""
