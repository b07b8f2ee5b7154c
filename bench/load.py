"""Load generators: wrk for single requests, a Python driver for login round trips."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pyotp

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}
TURNS = 2
"""How many turns ``in_turns`` takes between the servers it compares."""


@dataclass(frozen=True)
class LoadResult:
    """Throughput and latency of one load run."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int

    def as_dict(self) -> dict[str, float]:
        """Return the figures for the JSON report."""
        return {
            "requests_per_second": round(self.requests_per_second, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "errors": self.errors,
        }


def require_wrk() -> str:
    """Return the path of wrk, or explain how to get it."""
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does this)")
    return path


def check_answer(url: str, body: dict[str, Any], token: str | None) -> None:
    """Send the request once and fail loudly unless it answers data without errors."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = httpx.post(url, json=body, headers=headers, timeout=30).json()
    if "errors" in answer or not answer.get("data"):
        raise SystemExit(f"benchmark request is wrong: {json.dumps(answer)[:500]}")


def wrk(
    url: str,
    body: dict[str, Any],
    *,
    token: str | None = None,
    seconds: int,
    connections: int,
) -> LoadResult:
    """POST ``body`` to ``url`` with wrk for ``seconds`` over ``connections`` connections."""
    check_answer(url, body, token)
    lines = [
        'wrk.method = "POST"',
        f"wrk.body = {json.dumps(json.dumps(body))}",
        'wrk.headers["Content-Type"] = "application/json"',
    ]
    if token:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines) + "\n")
    try:
        output = subprocess.run(  # noqa: S603 - fixed command line
            [
                require_wrk(), "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                "-s", script.name, url,
            ],
            capture_output=True, text=True, check=True, timeout=seconds + 60,
        ).stdout  # fmt: skip
    finally:
        Path(script.name).unlink()
    return parse_wrk(output)


def in_turns(runs: dict[str, Callable[..., LoadResult]], seconds: int) -> dict[str, LoadResult]:
    """Measure each of ``runs`` for ``seconds`` in all, in turns, and average their figures.

    Each run is called with ``seconds=`` its share of a turn (TURNS turns): other work on
    shared cores then weighs on each server alike, and a ratio of two of them means
    something.
    """
    share = max(1, seconds // TURNS)
    results: dict[str, list[LoadResult]] = {name: [] for name in runs}
    for _ in range(TURNS):
        for name, run in runs.items():
            results[name].append(run(seconds=share))
    return {
        name: LoadResult(
            requests_per_second=sum(r.requests_per_second for r in done) / len(done),
            p50_ms=sum(r.p50_ms for r in done) / len(done),
            p99_ms=max(r.p99_ms for r in done),
            errors=sum(r.errors for r in done),
        )
        for name, done in results.items()
    }


def parse_wrk(output: str) -> LoadResult:
    """Read requests/s, p50, p99 and error count from wrk's --latency output."""

    def percentile(label: str) -> float:
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if found is None:
            raise SystemExit(f"cannot read p{label} from wrk:\n{output}")
        return float(found.group(1)) * UNITS[found.group(2)]

    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    if rate is None:
        raise SystemExit(f"cannot read wrk's output:\n{output}")
    return LoadResult(float(rate.group(1)), percentile("50"), percentile("99"), errors)


LOGIN = (
    "mutation ($e: String!, $p: String!) { login(input: {email: $e, password: $p}) "
    "{ outcome challengeToken userErrors { code } } }"
)
VERIFY = (
    "mutation ($c: String!, $k: String!) { verifyTwoFactorCode(input: "
    "{challengeToken: $c, code: $k}) { sessionToken userErrors { code } } }"
)


async def login_round_trips(
    url: str, emails: list[str], password: str, secret: str, *, seconds: int, workers: int
) -> LoadResult:
    """Log operators in (password, then TOTP) from ``workers`` clients for ``seconds``.

    Each round trip uses a fresh operator: a TOTP code can be used once per operator.
    """
    queue = list(reversed(emails))
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    totp = pyotp.TOTP(secret)

    async def client() -> None:
        nonlocal errors
        async with httpx.AsyncClient(timeout=60) as http:
            while time.monotonic() < deadline and queue:
                email = queue.pop()
                started = time.perf_counter()
                login = (
                    await http.post(
                        url, json={"query": LOGIN, "variables": {"e": email, "p": password}}
                    )
                ).json()
                challenge = login["data"]["login"]["challengeToken"]
                code = totp.at(datetime.now(UTC))
                verify = (
                    await http.post(
                        url, json={"query": VERIFY, "variables": {"c": challenge or "", "k": code}}
                    )
                ).json()
                if verify["data"]["verifyTwoFactorCode"]["sessionToken"]:
                    latencies.append((time.perf_counter() - started) * 1000)
                else:
                    errors += 1

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(workers)))
    elapsed = time.monotonic() - started
    if not latencies:
        raise SystemExit("no login round trip succeeded")
    if not queue and elapsed < seconds:
        raise SystemExit("ran out of operators: seed more for this duration")
    latencies.sort()
    return LoadResult(
        requests_per_second=len(latencies) / elapsed,
        p50_ms=latencies[len(latencies) // 2],
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        errors=errors,
    )
