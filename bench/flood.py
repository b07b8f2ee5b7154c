"""A viewer's latency on a running server while wrong logins flood it from many addresses.

The server is a real uvicorn process at the production argon2id parameters. The attackers
run in a process of their own: ``ATTACKERS`` clients, each bound to its own loopback source
address (Linux routes all of 127.0.0.0/8 to the loopback interface), so the server sees
that many client addresses from the socket itself and trusts no forwarded header. Each
attacker sends one wrong login per ``PACE_SECONDS`` with an email never typed before, the
first ones all at the same moment: far more than the cores can hash. Meanwhile one client
sends viewer queries back to back; the same client measures the idle server before and
after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from tortoise import Tortoise

from bench.load import LOGIN
from bench.seed import seed
from bench.servers import ROOT, uvicorn
from models import Throttle
from services.machinery.encryption import SecretBox, generate_key
from services.machinery.hashing import Argon2Parameters, PasswordHasher
from twofa.database import apply_migrations, tortoise_config

ATTACKERS = 60
"""Concurrent wrong-login clients, each from its own loopback address."""
FIRST_ADDRESS = 10
"""Attacker ``n`` connects from 127.0.0.(FIRST_ADDRESS + n); the server listens on .1."""
PACE_SECONDS = 1.0
"""Each attacker starts one login per this many seconds (sooner answers wait for it)."""
WRONG_PASSWORD = "not the password"  # noqa: S105 - what the attackers type
VIEWER = {"query": "{ viewer { id effectiveTwoFactorPolicy { mode state setupRequired } } }"}


@dataclass(frozen=True)
class Latency:
    """Viewer-query latencies of one phase."""

    p50_ms: float
    p99_ms: float
    requests: int

    @classmethod
    def of(cls, samples: list[float]) -> Latency:
        """Summarise latencies in milliseconds."""
        if not samples:
            raise SystemExit("no viewer query answered")
        ordered = sorted(samples)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return cls(ordered[len(ordered) // 2], p99, len(ordered))

    def as_dict(self) -> dict[str, float]:
        """Return the figures for the JSON report."""
        return {"p50_ms": round(self.p50_ms, 2), "p99_ms": round(self.p99_ms, 2),
                "requests": self.requests}  # fmt: skip


async def viewer_latencies(url: str, token: str, seconds: float) -> list[float]:
    """Send viewer queries one after another for ``seconds``; return each one's latency."""
    samples: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=60) as http:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            answer = (await http.post(url, json=VIEWER, headers=headers)).json()
            if not (answer.get("data") or {}).get("viewer"):
                raise SystemExit(f"viewer query failed: {answer}")
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def outcome(response: httpx.Response) -> str:
    """Name what a login was answered: its error code, or the HTTP status if not 200."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    body = response.json()
    if body.get("errors"):
        return str(body["errors"][0].get("extensions", {}).get("code", "GRAPHQL_ERROR"))
    user_errors = body["data"]["login"]["userErrors"]
    return str(user_errors[0]["code"]) if user_errors else "NO_ERROR"


async def attack(url: str, seconds: float, ready: Any) -> dict[str, Any]:
    """Run the attackers for ``seconds``; count the answers, the first wave apart."""
    total: Counter[str] = Counter()
    first_wave: Counter[str] = Counter()
    transports = [
        httpx.AsyncHTTPTransport(local_address=f"127.0.0.{FIRST_ADDRESS + n}")
        for n in range(ATTACKERS)
    ]
    clients = [httpx.AsyncClient(transport=t, timeout=60) for t in transports]
    ready.set()
    started = time.monotonic()

    async def attacker(n: int, http: httpx.AsyncClient) -> None:
        attempt = 0
        while time.monotonic() < started + seconds:
            variables = {"e": f"nobody{attempt}.{n}@flood.example", "p": WRONG_PASSWORD}
            try:
                response = await http.post(url, json={"query": LOGIN, "variables": variables})
                answer = outcome(response)
            except httpx.TransportError as error:
                answer = type(error).__name__
            total[answer] += 1
            if attempt == 0:
                first_wave[answer] += 1
            attempt += 1
            await asyncio.sleep(max(0.0, started + attempt * PACE_SECONDS - time.monotonic()))

    try:
        await asyncio.gather(*(attacker(n, http) for n, http in enumerate(clients)))
    finally:
        for http in clients:
            await http.aclose()
    return {"logins": dict(total), "first_wave": dict(first_wave)}


def _attack_process(url: str, seconds: float, ready: Any, results: Any) -> None:
    results.put(asyncio.run(attack(url, seconds, ready)))


def measure(base: str, token: str, seconds: float) -> dict[str, Any]:
    """Measure the viewer query idle, under the flood, then idle again; count the logins.

    The flood is compared with the mean of the two idle phases, so that load from other
    processes that changes during the run weighs on both sides alike.
    """
    url = f"{base}/graphql"
    asyncio.run(viewer_latencies(url, token, 1.0))  # warm up connections and caches
    before = Latency.of(asyncio.run(viewer_latencies(url, token, seconds)))
    context = multiprocessing.get_context("spawn")
    ready, results = context.Event(), context.Queue()
    flood = context.Process(target=_attack_process, args=(url, seconds + 0.5, ready, results))
    flood.start()
    if not ready.wait(60):
        flood.kill()
        raise SystemExit("the flood process did not start")
    flooded = Latency.of(asyncio.run(viewer_latencies(url, token, seconds)))
    counts: dict[str, Any] = results.get(timeout=seconds + 120)
    flood.join(timeout=30)
    after = Latency.of(asyncio.run(viewer_latencies(url, token, seconds)))
    idle_p50 = (before.p50_ms + after.p50_ms) / 2
    idle_p99 = (before.p99_ms + after.p99_ms) / 2
    logins: dict[str, int] = counts["logins"]
    return {
        "attackers": ATTACKERS,
        "idle_before": before.as_dict(),
        "flood": flooded.as_dict(),
        "idle_after": after.as_dict(),
        "p50_ratio_to_idle": round(flooded.p50_ms / idle_p50, 2),
        "p99_ratio_to_idle": round(flooded.p99_ms / idle_p99, 2),
        "logins": logins,
        "logins_total": sum(logins.values()),
        "first_wave": counts["first_wave"],
    }


async def _seed(url: str, key: str) -> str:
    """Migrate and seed a fresh database; return the viewer's session token."""
    await apply_migrations(url)
    await Tortoise.init(config=tortoise_config(url))
    try:
        return (await seed(SecretBox([key]), PasswordHasher(), sizes=(), logins=0)).viewer_token
    finally:
        await Tortoise.close_connections()


async def _addresses_seen(url: str) -> int:
    """Count the distinct attacker addresses the server's throttle recorded."""
    await Tortoise.init(config=tortoise_config(url))
    try:
        keys = [f"address:127.0.0.{FIRST_ADDRESS + n}" for n in range(ATTACKERS)]
        return await Throttle.filter(key__in=keys).count()
    finally:
        await Tortoise.close_connections()


def run_on(url: str, seconds: float, root: Path = ROOT) -> dict[str, Any]:
    """Seed ``url``, serve the code at ``root`` with uvicorn (production argon2id), measure.

    Call it in a process of its own: Tortoise binds its models to the first database it
    opens in a process.
    """
    key, parameters = generate_key(), Argon2Parameters()
    viewer_token = asyncio.run(_seed(url, key))
    env = {"DATABASE_URL": url, "ENCRYPTION_KEYS": key,
           "PASSWORD_HASH_TIME_COST": str(parameters.time_cost),
           "PASSWORD_HASH_MEMORY_KIB": str(parameters.memory_cost_kib),
           "PASSWORD_HASH_PARALLELISM": str(parameters.parallelism)}  # fmt: skip
    with uvicorn("twofa.app:create_app", env=env, factory=True, root=root) as base:
        report = measure(base, viewer_token, seconds)
    report["addresses_seen"] = asyncio.run(_addresses_seen(url))
    return report


def main() -> None:
    """Measure one database (``--database-url``) and write the figures to ``--output``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument(
        "--server-root", type=Path, default=ROOT, help="the checkout whose server is measured"
    )
    args = parser.parse_args()
    report = run_on(args.database_url, args.seconds, args.server_root)
    args.output.write_text(json.dumps(report))


if __name__ == "__main__":
    main()
