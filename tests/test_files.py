"""Files twofa creates are private: the SQLite database with its WAL files, the key file,
and their folder, whatever the umask of the process that starts it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import twofa, twofa_server
from twofa.keys import secret_box
from twofa.settings import Settings


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """Run the test (and the processes it starts) with the common umask 022."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    """The permission bits of ``path``."""
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.server
@pytest.mark.usefixtures("permissive_umask")
def test_a_served_sqlite_database_its_wal_files_and_key_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    database = folder / "twofa.sqlite3"
    env = {"DATABASE_URL": f"sqlite://{database}", "ENCRYPTION_KEYS": "", "SMTP_HOST": ""}
    with twofa_server(env, tmp_path / "server.log") as url:
        response = httpx.post(f"{url}/graphql", json={"query": "{ viewer { id } }"})
        assert response.json() == {"data": {"viewer": None}}
        created = {
            path.name: mode(path)
            for path in folder.iterdir()
            if path.name.startswith(database.name)
        }
        assert mode(folder) == 0o700
    assert created == {
        "twofa.sqlite3": 0o600,
        "twofa.sqlite3-wal": 0o600,
        "twofa.sqlite3-shm": 0o600,
        "twofa.sqlite3.key": 0o600,
    }


@pytest.mark.server
@pytest.mark.usefixtures("permissive_umask")
def test_migrate_creates_the_folder_and_database_private(tmp_path: Path) -> None:
    database = tmp_path / "deep" / "data" / "fresh.sqlite3"
    result = twofa("migrate", database_url=f"sqlite://{database}")
    assert result.returncode == 0, result.stderr
    assert (mode(database.parent), mode(database)) == (0o700, 0o600)


@pytest.mark.usefixtures("permissive_umask")
def test_a_generated_key_file_is_private(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite://{tmp_path}/keys/twofa.sqlite3")
    secret_box(settings)
    assert mode(tmp_path / "keys") == 0o700
    assert mode(tmp_path / "keys" / "twofa.sqlite3.key") == 0o600


@pytest.mark.server
@pytest.mark.usefixtures("permissive_umask")
def test_existing_files_keep_their_modes(tmp_path: Path) -> None:
    database = tmp_path / "kept.sqlite3"
    database.touch(mode=0o640)
    result = twofa("migrate", database_url=f"sqlite://{database}")
    assert result.returncode == 0, result.stderr
    assert mode(database) == 0o640
