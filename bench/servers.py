"""Starting and stopping the servers under test as separate uvicorn processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
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


@contextmanager
def uvicorn(
    target: str,
    *,
    env: dict[str, str] | None = None,
    workers: int = 1,
    factory: bool = False,
    root: Path = ROOT,
) -> Iterator[str]:
    """Run ``uvicorn target`` on a free port until the block ends; yield its base URL.

    ``root``: the checkout whose code is served (another one to measure an older version).
    """
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    if factory:
        command.append("--factory")
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-server-", suffix=".log", delete=False)  # noqa: SIM115
    # A file, not a pipe: a pipe nobody reads fills up and blocks the server's logging.
    process = subprocess.Popen(  # noqa: S603 - fixed command line
        command, cwd=root, env={**os.environ, **(env or {})}, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{target} did not start:\n{Path(log.name).read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        errors = Path(log.name).read_text()
        if "Traceback" in errors:
            print(f"{target} logged errors (see {log.name}):\n{errors[-3000:]}")
        else:
            Path(log.name).unlink()
