"""Real ``twofa`` processes for end-to-end tests: one-off commands and ``twofa serve``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """Return a TCP port on loopback that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_healthy(
    url: str, process: subprocess.Popen[bytes], log: Path, *, within: float = 60.0
) -> None:
    """Return once the server ``process`` started answers ``GET {url}/healthz`` with 200.

    Fails with what it logged to ``log`` if it exits first or does not answer ``within``
    seconds.
    """
    deadline = time.monotonic() + within
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None, f"{url} exited:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"{url} did not start:\n{log.read_text()}"
        time.sleep(0.1)  # polling the server until it answers


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


class TwofaServer:
    """A ``python -m twofa serve`` process with ``env`` added to the environment, on a fixed
    port, that can be stopped and started again.

    Output goes to ``log`` (a file: a pipe nobody reads would fill up and block the server).
    """

    def __init__(self, env: dict[str, str], log: Path, *, port: int | None = None) -> None:
        self.url = f"http://127.0.0.1:{port or free_port()}"
        self._env = env
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None
        self._log_start = 0

    @property
    def running(self) -> bool:
        """Whether the process was started and has not been stopped."""
        return self._process is not None

    def start(self) -> None:
        """Start the process; return once ``/healthz`` answers."""
        assert self._process is None, f"{self.url} is already running"
        port = self.url.rsplit(":", 1)[1]
        with self._log.open("ab") as output:
            self._log_start = output.tell()
            self._process = subprocess.Popen(  # noqa: S603 - our own command with fixed arguments
                [sys.executable, "-m", "twofa", "serve", "--port", port],
                cwd=ROOT,
                env={**os.environ, **self._env},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_healthy(self.url, self._process, self._log)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> str:
        """Stop the process as an operator would (SIGTERM: the app's lifespan ends, its mail
        sender finishing the round it is in); return what it logged since it started."""
        process, self._process = self._process, None
        if process is None:
            return ""
        process.terminate()
        process.wait(timeout=15)
        with self._log.open("rb") as log:
            log.seek(self._log_start)
            return log.read().decode(errors="replace")


@contextmanager
def twofa_server(env: dict[str, str], log: Path, *, port: int | None = None) -> Iterator[str]:
    """Run a :class:`TwofaServer` until the block ends; yield its base URL once it answers."""
    server = TwofaServer(env, log, port=port)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
