"""The real server: ``twofa serve`` under uvicorn, reached over TCP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.smtp import free_port
from tests.support import PASSWORD
from tests.test_cli import ROOT, twofa


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A ``twofa serve`` process on its own SQLite file; yields its base URL."""
    url = f"sqlite://{tmp_path}/server.sqlite3"
    assert twofa("migrate", database_url=url).returncode == 0
    created = twofa(
        "create-account", "--name", "Served", "--admin-email", "admin@served.example",
        "--admin-password", PASSWORD, database_url=url,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own command with fixed arguments
        [sys.executable, "-m", "twofa", "serve", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


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
