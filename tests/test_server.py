"""The real server: ``twofa serve`` under uvicorn, reached over TCP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.servers import twofa, twofa_server
from tests.support import PASSWORD

pytestmark = pytest.mark.server
"""Runs real twofa processes: left out of make test-fast."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ``twofa serve`` process on its own SQLite file, for the module; yields its base URL."""
    folder = tmp_path_factory.mktemp("server")
    url = f"sqlite://{folder}/server.sqlite3"
    assert twofa("migrate", database_url=url).returncode == 0
    created = twofa(
        "create-account", "--name", "Served", "--admin-email", "admin@served.example",
        "--admin-password", PASSWORD, database_url=url,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    with twofa_server({"DATABASE_URL": url}, folder / "server.log") as base:
        yield base


def test_served_app_logs_in_and_reads_the_viewer(server: str) -> None:
    login = httpx.post(
        f"{server}/graphql",
        json={
            "query": 'mutation { login(input: {email: "admin@served.example", password: "'
            + PASSWORD
            + '"}) { outcome sessionToken } }'
        },
        timeout=10,
    ).json()["data"]["login"]
    assert login["outcome"] == "AUTHENTICATED"
    viewer = httpx.post(
        f"{server}/graphql",
        json={"query": "{ viewer { email account { name } } }"},
        headers={"Authorization": f"Bearer {login['sessionToken']}"},
        timeout=10,
    ).json()
    assert viewer == {
        "data": {"viewer": {"email": "admin@served.example", "account": {"name": "Served"}}}
    }


def test_browsers_get_graphiql(server: str) -> None:
    response = httpx.get(f"{server}/graphql", headers={"Accept": "text/html"}, timeout=10)
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
