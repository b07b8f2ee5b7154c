"""Real ``twofa`` processes for end-to-end tests: one-off commands and ``twofa serve``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.smtp import free_port

ROOT = Path(__file__).resolve().parent.parent


def twofa(
    *args: str, database_url: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m twofa ARGS`` against ``database_url``, with extra environment."""
    env = {**os.environ, "DATABASE_URL": database_url, **(env or {})}
    return subprocess.run(  # noqa: S603 - our own command with fixed arguments
        [sys.executable, "-m", "twofa", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@contextmanager
def twofa_server(env: dict[str, str], log: Path, *, port: int | None = None) -> Iterator[str]:
    """Run ``python -m twofa serve`` with ``env`` added to the environment until the block
    ends; yield its base URL once ``/healthz`` answers.

    Output goes to ``log`` (a file: a pipe nobody reads would fill up and block the server).
    """
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own command with fixed arguments
            [sys.executable, "-m", "twofa", "serve", "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, f"{base} exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"{base} did not start:\n{log.read_text()}"
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)
