"""Login capacity shared fairly: other clients' logins while one address, or many, flood it.

The server is a real uvicorn process at the production argon2id parameters, with the
default login budgets. The flood runs in a process of its own: each flooding client is bound
to a loopback address of its own (Linux routes all of 127.0.0.0/8 to the loopback
interface), so the server tells them apart from the socket itself. Meanwhile operators of
another account log in one after another, each once, each from an address of its own, and
the run counts how many got in and how long each took.

Scenarios:

- ``one address``: ``FLOOD_CONNECTIONS`` connections from one address, logging in back to
  back with the right password of their own account, or with wrong ones;
- ``many addresses``: ``BOTNET`` addresses with one connection each, one login a second
  each (wrong passwords at emails nobody has, or the right passwords of their own
  account's operators), or back to back (wrong passwords), against operators logging in
  from new addresses, and from addresses they logged in from before (known); for half as
  long.

Each scenario starts with no throttle rows (no counts, locks, spent budgets or known
addresses but those it sets up).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from tortoise import Tortoise
from tortoise.transactions import in_transaction

from bench.load import LOGIN
from bench.seed import PASSWORD
from bench.servers import ROOT, uvicorn
from models import Account, Operator, OperatorRole, OperatorStatus, Throttle, TwoFactorMode
from services.machinery.encryption import generate_key
from services.machinery.hashing import PasswordHasher
from twofa.database import apply_migrations, tortoise_config

FLOOD_CONNECTIONS = 6
FLOOD_ADDRESS = "127.0.0.2"
BOTNET = 60
"""Addresses of the many-address flood: 127.0.1.(1 … BOTNET)."""
LEGITIMATE = 15
"""Operators who log in during a flood, each once, from 127.0.2.(1 … LEGITIMATE)."""
WRONG = "not the password at all"


@dataclass(frozen=True)
class Scenario:
    """One flood and the logins measured under it."""

    name: str
    addresses: tuple[str, ...]
    """The flood's addresses, one connection each, or FLOOD_CONNECTIONS for one address."""
    right_password: bool
    known: bool = False
    """The legitimate operators logged in from their addresses before (a known address)."""
    pace: float = 0.0
    """Seconds between the starts of one connection's logins (0: back to back)."""


def scenarios() -> list[Scenario]:
    """Return the scenarios of a run, in order."""
    botnet = tuple(f"127.0.1.{n}" for n in range(1, BOTNET + 1))
    return [
        Scenario("one address, right password", (FLOOD_ADDRESS,) * FLOOD_CONNECTIONS, True),
        Scenario("one address, wrong passwords", (FLOOD_ADDRESS,) * FLOOD_CONNECTIONS, False),
        Scenario(f"{BOTNET} addresses, wrong passwords", botnet, False, pace=1.0),
        Scenario(f"{BOTNET} addresses, wrong passwords; known", botnet, False, True, pace=1.0),
        Scenario(f"{BOTNET} addresses, right passwords", botnet, True, pace=1.0),
        Scenario(f"{BOTNET} addresses, right passwords; known", botnet, True, True, pace=1.0),
        Scenario(f"{BOTNET} addresses back to back, wrong", botnet, False, pace=0.01),
        Scenario(f"{BOTNET} addresses back to back, wrong; known", botnet, False, True, pace=0.01),
    ]


async def seed(url: str) -> None:
    """Two accounts: the flood's (one operator per flooding address) and the legitimate one."""
    await apply_migrations(url)
    await Tortoise.init(config=tortoise_config(url))
    try:
        password_hash = await PasswordHasher().hash(PASSWORD)
        now = datetime.now(UTC)
        async with in_transaction():
            for name, prefix, count in (("Flood", "flood", BOTNET), ("Tenant", "op", LEGITIMATE)):
                account = await Account.create(
                    name=name, two_factor_default=TwoFactorMode.OPTIONAL, created_at=now
                )
                await Operator.bulk_create(
                    [
                        Operator(
                            account_id=account.id, email=f"{prefix}{n}@{name.lower()}.example",
                            email_key=f"{prefix}{n}@{name.lower()}.example",
                            email_folded=f"{prefix}{n}@{name.lower()}.example",
                            name=f"{prefix}{n}", name_key=f"{prefix}{n}",
                            role=OperatorRole.BASIC, status=OperatorStatus.ACTIVE,
                            password_hash=password_hash, created_at=now,
                        )
                        for n in range(count)
                    ]
                )  # fmt: skip
    finally:
        await Tortoise.close_connections()


def outcome_of(response: httpx.Response) -> str:
    """Name what a login was answered: AUTHENTICATED, its error code, or the HTTP status."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    body = response.json()
    if body.get("errors"):
        return str(body["errors"][0].get("extensions", {}).get("code", "GRAPHQL_ERROR"))
    payload = body["data"]["login"]
    return str(payload["outcome"] or payload["userErrors"][0]["code"])


async def login(http: httpx.AsyncClient, url: str, email: str, password: str) -> str:
    """One login; its outcome."""
    variables = {"e": email, "p": password}
    try:
        return outcome_of(await http.post(url, json={"query": LOGIN, "variables": variables}))
    except httpx.TransportError as error:
        return type(error).__name__


async def flood(url: str, scenario: Scenario, seconds: float, ready: Any) -> dict[str, int]:
    """Run the scenario's flood for ``seconds``; count its answers."""
    answers: Counter[str] = Counter()
    clients = {
        address: httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(local_address=address), timeout=60
        )
        for address in set(scenario.addresses)
    }
    ready.set()
    deadline = time.monotonic() + seconds

    async def connection(number: int, address: str) -> None:
        attempt = 0
        while (started := time.monotonic()) < deadline:
            email = (
                f"flood{number}@flood.example"
                if scenario.right_password
                else f"nobody{number}.{attempt}@flood.example"
            )
            password = PASSWORD if scenario.right_password else WRONG
            answers[await login(clients[address], url, email, password)] += 1
            attempt += 1
            await asyncio.sleep(max(0.0, started + scenario.pace - time.monotonic()))

    try:
        await asyncio.gather(*(connection(n, a) for n, a in enumerate(scenario.addresses)))
    finally:
        for http in clients.values():
            await http.aclose()
    return dict(answers)


def _flood_process(url: str, scenario: Scenario, seconds: float, ready: Any, out: Any) -> None:
    out.put(asyncio.run(flood(url, scenario, seconds, ready)))


async def legitimate_logins(
    url: str, scenario: Scenario, spacing: float, round_number: int
) -> list[tuple[str, float]]:
    """Each operator of the tenant logs in once from their own address, ``spacing`` apart.

    The addresses are new for every round, unless the scenario's are known: then each
    operator logged in from theirs before the flood (in the run's first round).
    """
    results = []
    for n in range(LEGITIMATE):
        third = 2 if scenario.known else 3 + round_number
        address = f"127.0.{third}.{n + 1}"
        async with httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(local_address=address), timeout=60
        ) as http:
            started = time.perf_counter()
            outcome = await login(http, url, f"op{n}@tenant.example", PASSWORD)
            results.append((outcome, time.perf_counter() - started))
        await asyncio.sleep(spacing)
    return results


async def make_known(url: str) -> None:
    """Each tenant operator logs in once from their own address (it becomes known)."""
    for n in range(LEGITIMATE):
        async with httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(local_address=f"127.0.2.{n + 1}"), timeout=60
        ) as http:
            outcome = await login(http, url, f"op{n}@tenant.example", PASSWORD)
            assert outcome == "AUTHENTICATED", outcome


def run_scenario(url: str, scenario: Scenario, seconds: float, round_number: int) -> dict[str, Any]:
    """Flood for ``seconds`` while the tenant's operators log in; return the figures."""
    context = multiprocessing.get_context("spawn")
    ready, out = context.Event(), context.Queue()
    process = context.Process(target=_flood_process, args=(url, scenario, seconds, ready, out))
    process.start()
    if not ready.wait(60):
        process.kill()
        raise SystemExit("the flood process did not start")
    time.sleep(2)  # the flood is in full swing
    spacing = max(0.0, (seconds - 4) / LEGITIMATE - 0.3)
    results = asyncio.run(legitimate_logins(url, scenario, spacing, round_number))
    answers: dict[str, int] = out.get(timeout=seconds + 120)
    process.join(timeout=30)
    latencies = sorted(elapsed for _, elapsed in results)
    return {
        "scenario": scenario.name,
        "legitimate_succeeded": sum(outcome == "AUTHENTICATED" for outcome, _ in results),
        "legitimate": LEGITIMATE,
        "legitimate_outcomes": dict(Counter(outcome for outcome, _ in results)),
        "median_s": round(statistics.median(latencies), 2),
        "max_s": round(latencies[-1], 2),
        "flood_answers": answers,
    }


def run_on(url: str, seconds: float, root: Path) -> list[dict[str, Any]]:
    """Seed ``url``, serve the code at ``root`` with uvicorn, run every scenario.

    Call it in a process of its own: Tortoise binds its models to the first database it
    opens in a process.
    """
    key = generate_key()
    asyncio.run(seed(url))
    env = {"DATABASE_URL": url, "ENCRYPTION_KEYS": key}
    report = []
    with uvicorn("twofa.app:create_app", env=env, factory=True, root=root) as base:
        graphql = f"{base}/graphql"
        for number, scenario in enumerate(scenarios()):
            asyncio.run(forget_throttling(url))  # each scenario starts afresh
            if scenario.known:
                asyncio.run(make_known(graphql))
            length = seconds if scenario.pace == 0 else seconds / 2
            print(f"[fairness] {scenario.name}, {length:.0f} s")
            report.append(run_scenario(graphql, scenario, length, number))
    return report


async def forget_throttling(url: str) -> None:
    """Delete every throttle row: counts, locks, budgets and known addresses."""
    await Tortoise.init(config=tortoise_config(url))
    try:
        await Throttle.all().delete()
    finally:
        await Tortoise.close_connections()


def print_report(report: list[dict[str, Any]]) -> None:
    """Print one line per scenario."""
    print(f"\n{'flood':48} {'others logged in':>17} {'median':>8} {'max':>7}")
    for row in report:
        got = f"{row['legitimate_succeeded']}/{row['legitimate']}"
        print(f"{row['scenario']:48} {got:>17} {row['median_s']:7.2f}s {row['max_s']:6.2f}s")


def measure(seconds: float) -> list[dict[str, Any]]:
    """Run every scenario on a fresh SQLite database, in a process of its own; print them."""
    work = ROOT / "bench" / "results"
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"fairness-{secrets.token_hex(4)}.sqlite3"
    try:
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(  # noqa: S603 - this very module
                [sys.executable, "-m", "bench.fairness", "--database-url", f"sqlite://{path}",
                 "--seconds", str(seconds), "--output", out.name],
                check=True, cwd=ROOT,
            )  # fmt: skip
            report: list[dict[str, Any]] = json.loads(Path(out.name).read_text())
    finally:
        for leftover in work.glob(f"{path.name}*"):
            leftover.unlink()
    return report


def main() -> None:
    """Measure one database (``--database-url``); write the figures to ``--output``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument(
        "--server-root", type=Path, default=ROOT, help="the checkout whose server is measured"
    )
    args = parser.parse_args()
    report = run_on(args.database_url, args.seconds, args.server_root)
    print_report(report)
    args.output.write_text(json.dumps(report))


if __name__ == "__main__":
    main()
