"""``make bench``: twofa under load on SQLite and PostgreSQL, as ratios to baselines.

Every server runs under uvicorn in its own process; load comes from wrk (and a Python
client for login round trips) in other processes, over loopback. Results are printed as a
table and written to ``bench/results/latest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from tortoise import Tortoise

from bench.cost import measure as measure_cost
from bench.factors import measure as measure_factors
from bench.factors import print_report as print_factors
from bench.fairness import measure as measure_fairness
from bench.fairness import print_report as print_fairness
from bench.load import LoadResult, in_turns, login_round_trips, wrk
from bench.report import measure as measure_report
from bench.report import print_report as print_compliance_report
from bench.seed import PASSWORD, SECRET, Seeded, seed
from bench.servers import ROOT, uvicorn
from bench.webhooks import measure as measure_webhooks
from bench.webhooks import print_report as print_webhooks
from services.machinery.encryption import SecretBox, generate_key
from services.machinery.hashing import PasswordHasher
from twofa.app import create_app
from twofa.database import apply_migrations, tortoise_config
from twofa.settings import Settings
from twofa.sql_log import StatementCounter

ACCOUNT = {"query": "query Account { account { id name twoFactorDefault } }"}
"""The same account read over an API key and over a session (``Query.account``)."""
VIEWER = {
    "query": "query Viewer { viewer { id email effectiveTwoFactorPolicy { mode source accountDefault "
    "override state setupRequired canEnroll codeRequiredAtLogin } } }"
}
PAGE = (
    "query Page($after: String) { viewer { account { operators(first: 100, after: $after) { "
    "pageInfo { endCursor hasNextPage } edges { node { id email role "
    "effectiveTwoFactorPolicy { mode state setupRequired } } } } } } }"
)
SIZES = (100, 1_000, 10_000)
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/test"


def page_body(after: str | None) -> dict[str, Any]:
    """Return the operators-page request, from the start or after a cursor."""
    return {"query": PAGE, "variables": {"after": after}}


async def middle_cursor(url: str, token: str, size: int) -> str | None:
    """Walk to the page in the middle of the list and return its ``after`` cursor."""
    after = None
    async with httpx.AsyncClient(timeout=60) as http:
        for _ in range(size // 200):
            answer = (
                await http.post(
                    url, json=page_body(after), headers={"Authorization": f"Bearer {token}"}
                )
            ).json()
            after = answer["data"]["viewer"]["account"]["operators"]["pageInfo"]["endCursor"]
    return after


async def count_statements(settings: Settings, seeded: Seeded) -> dict[str, int]:
    """Count SQL statements per request in-process (same code path as the served app)."""
    counts: dict[str, int] = {}
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        app.state.outbox_sender.stop()
        await asyncio.sleep(0.2)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            with StatementCounter() as counter:
                await http.post(
                    "/graphql",
                    json=VIEWER,
                    headers={"Authorization": f"Bearer {seeded.viewer_token}"},
                )
            counts["viewer"] = len(counter.statements)
            for size, token in seeded.page_tokens.items():
                with StatementCounter() as counter:
                    await http.post(
                        "/graphql",
                        json=page_body(None),
                        headers={"Authorization": f"Bearer {token}"},
                    )
                counts[f"page_{size}"] = len(counter.statements)
    return counts


async def prepare(database_url: str, key: str, logins: int) -> Seeded:
    """Migrate and seed a fresh database."""
    await apply_migrations(database_url)
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        return await seed(SecretBox([key]), PasswordHasher(), sizes=SIZES, logins=logins)
    finally:
        await Tortoise.close_connections()


async def pg_database(base: str) -> tuple[str, str]:
    """Create a throw-away PostgreSQL database; return its URL and name."""
    name = f"twofa_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return base.rsplit("/", 1)[0] + f"/{name}", name


async def drop_pg_database(base: str, name: str) -> None:
    """Drop a database made by ``pg_database``."""
    admin = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def bench_database(
    label: str, url: str, seconds: int, connections: int, logins: int
) -> dict[str, Any]:
    """Run every measurement against one database."""
    key = generate_key()
    seeded = asyncio.run(prepare(url, key, logins))
    settings = Settings(database_url=url, encryption_keys=(key,))
    report: dict[str, Any] = {
        "statements_per_request": asyncio.run(count_statements(settings, seeded))
    }
    # The login round trips measure capacity, one client address at full speed: the login
    # budgets (60 a minute per address by default) would measure refusals instead.
    env = {
        "DATABASE_URL": url,
        "ENCRYPTION_KEYS": key,
        "LOGIN_RATE_PER_ADDRESS": "1000000",
        "LOGIN_RATE_PER_ACCOUNT": "1000000",
        "API_KEY_RATE_LIMIT": "1000000",  # measure the lookup, not the budget's refusals
    }
    with (
        uvicorn("bench.baselines:lookup_app", env=env) as lookup,
        uvicorn("bench.baselines:page_app") as page_baseline,
        uvicorn("twofa.app:create_app", env=env, factory=True) as base,
    ):
        graphql = f"{base}/graphql"
        print(f"[{label}] viewer query, in turns with bare Strawberry + one indexed lookup")
        viewer = in_turns(
            {
                "baseline_lookup": partial(
                    wrk, f"{lookup}/graphql", VIEWER, token=seeded.viewer_token,
                    connections=connections,
                ),
                "viewer": partial(
                    wrk, graphql, VIEWER, token=seeded.viewer_token, connections=connections
                ),
            },
            seconds,
        )  # fmt: skip
        report.update({name: result.as_dict() for name, result in viewer.items()})
        print(f"[{label}] account query, over an API key in turns with over a session")
        over = in_turns(
            {
                "account_over_session": partial(
                    wrk, graphql, ACCOUNT, token=seeded.viewer_token, connections=connections
                ),
                "account_over_key": partial(
                    wrk, graphql, ACCOUNT, token=seeded.viewer_key, connections=connections
                ),
            },
            seconds,
        )
        report.update({name: result.as_dict() for name, result in over.items()})
        report["operators_page"] = operator_pages(
            label, graphql, f"{page_baseline}/graphql", seeded, seconds
        )
        print(f"[{label}] login + verifyTwoFactorCode")
        # As many clients as the server hashes for at once, and two more waiting: from one
        # address they take turns in its line at the hasher, and more would only wait.
        report["login_round_trips"] = asyncio.run(
            login_round_trips(
                graphql,
                seeded.login_emails,
                PASSWORD,
                SECRET,
                seconds=seconds,
                workers=PasswordHasher().limit + 2,
            )
        ).as_dict()
    report["argon2"] = PasswordHasher().parameters.describe()
    if label == "postgresql":
        with uvicorn("twofa.app:create_app", env=env, factory=True, workers=2) as base:
            print(f"[{label}] viewer query, 2 workers")
            two = wrk(
                f"{base}/graphql",
                VIEWER,
                token=seeded.viewer_token,
                seconds=seconds,
                connections=connections,
            )
        one_rps = report["viewer"]["requests_per_second"]
        report["two_workers"] = {
            **two.as_dict(),
            "ratio_to_one_worker": round(two.requests_per_second / one_rps, 2),
        }
    return report


def operator_pages(
    label: str, graphql: str, baseline: str, seeded: Seeded, seconds: int
) -> dict[str, Any]:
    """Measure the first and a middle page of each account, in turns with the page baseline."""
    pages: dict[str, Any] = {}
    for size, token in seeded.page_tokens.items():
        print(f"[{label}] operators page, account of {size}, in turns with the page baseline")
        middle = asyncio.run(middle_cursor(graphql, token, size))
        results = in_turns(
            {
                "baseline_page": partial(wrk, baseline, page_body(None), connections=4),
                "first_page": partial(wrk, graphql, page_body(None), token=token, connections=4),
                "middle_page": partial(wrk, graphql, page_body(middle), token=token, connections=4),
            },
            seconds,
        )
        pages[str(size)] = {name: result.as_dict() for name, result in results.items()}
    return pages


def baselines(seconds: int, connections: int) -> dict[str, LoadResult]:
    """Measure the bare Strawberry endpoints and the plain Starlette floor."""
    results = {}
    for name in ("strawberry_app", "starlette_app"):
        with uvicorn(f"bench.baselines:{name}") as base:
            print(f"[baseline] {name}")
            results[name] = wrk(f"{base}/graphql", VIEWER, seconds=seconds, connections=connections)
    return results


def add_ratios(db: dict[str, Any], base: dict[str, LoadResult]) -> None:
    """Put each of a database's figures beside the baseline it is measured against."""
    rps = db["viewer"]["requests_per_second"]
    db["viewer_ratio_to_lookup"] = round(rps / db["baseline_lookup"]["requests_per_second"], 3)
    db["viewer_ratio_to_strawberry"] = round(rps / base["strawberry_app"].requests_per_second, 3)
    db["viewer_ratio_to_starlette"] = round(rps / base["starlette_app"].requests_per_second, 3)
    db["key_ratio_to_session"] = round(
        db["account_over_key"]["requests_per_second"]
        / db["account_over_session"]["requests_per_second"],
        3,
    )
    for page in db["operators_page"].values():
        page_rps = page["baseline_page"]["requests_per_second"]
        for which in ("first_page", "middle_page"):
            figures = page[which]
            figures["ratio_to_page_baseline"] = round(figures["requests_per_second"] / page_rps, 3)


def _row(label: str, figures: dict[str, Any], note: str = "") -> None:
    rate, p50, p99 = figures["requests_per_second"], figures["p50_ms"], figures["p99_ms"]
    print(f"{label:58} {rate:9.1f} {p50:8.2f} {p99:8.2f}   {note}".rstrip())


def print_table(report: dict[str, Any]) -> None:
    """Print the headline figures."""
    print(f"\n{'measure':58} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for name, figures in report["baselines"].items():
        _row(f"baseline {name}", figures)
    for label, db in report["databases"].items():
        ratios = (
            f"{db['viewer_ratio_to_lookup']:.2f}x lookup, "
            f"{db['viewer_ratio_to_strawberry']:.2f}x Strawberry, "
            f"{db['viewer_ratio_to_starlette']:.2f}x Starlette"
        )
        _row(f"{label} baseline: Strawberry + one lookup", db["baseline_lookup"])
        _row(f"{label} viewer", db["viewer"], ratios)
        _row(f"{label} account over a session", db["account_over_session"])
        _row(f"{label} account over an API key", db["account_over_key"],
             f"{db['key_ratio_to_session']:.2f}x over a session")  # fmt: skip
        for size, page in db["operators_page"].items():
            _row(f"{label} baseline: page from memory (beside {size})", page["baseline_page"])
            for which in ("first_page", "middle_page"):
                figures = page[which]
                _row(
                    f"{label} operators(first: 100) {which}, {size} operators",
                    figures,
                    f"{figures['ratio_to_page_baseline']:.2f}x page baseline",
                )
        _row(f"{label} login + verify round trips", db["login_round_trips"], db["argon2"])
        if "two_workers" in db:
            two = db["two_workers"]
            _row(f"{label} viewer, 2 workers", two, f"{two['ratio_to_one_worker']}x one worker")
        print(f"{label} SQL statements per request: {db['statements_per_request']}")


def run_one_database(label: str, args: argparse.Namespace) -> dict[str, Any]:
    """Benchmark one database.

    Call it in a process of its own: Tortoise binds its models' queries to the first
    database it opens in a process.
    """
    logins = max(1_000, args.seconds * 200)
    if label == "sqlite":
        work = ROOT / "bench" / "results"
        work.mkdir(parents=True, exist_ok=True)
        path = work / f"bench-{secrets.token_hex(4)}.sqlite3"
        try:
            return bench_database(label, f"sqlite://{path}", args.seconds, args.connections, logins)
        finally:
            for leftover in work.glob(f"{path.name}*"):
                leftover.unlink()
    url, name = asyncio.run(pg_database(args.postgres_url))
    try:
        return bench_database(label, url, args.seconds, args.connections, logins)
    finally:
        asyncio.run(drop_pg_database(args.postgres_url, name))


def main() -> None:
    """Run the benchmark and write the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "10")))
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--fairness-seconds",
        type=int,
        default=40,
        help="length of each one-address flood (the many-address ones take half)",
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--one-database", help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_database:
        args.output.write_text(json.dumps(run_one_database(args.one_database, args)))
        return
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "seconds_per_run": args.seconds,
        "connections": args.connections,
    }
    base = baselines(args.seconds, args.connections)
    report["baselines"] = {name: result.as_dict() for name, result in base.items()}
    report["databases"] = {}
    for label in args.databases.split(","):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(  # noqa: S603 - this very script
                [sys.executable, "-m", "bench.run", "--one-database", label, "--output", out.name,
                 "--seconds", str(args.seconds), "--connections", str(args.connections),
                 "--postgres-url", args.postgres_url],
                check=True, cwd=ROOT,
            )  # fmt: skip
            db = json.loads(Path(out.name).read_text())
        add_ratios(db, base)
        report["databases"][label] = db
    report["cost"] = measure_cost(args.seconds, args.postgres_url)
    report["webhooks"] = measure_webhooks(args.postgres_url)
    report["compliance_report"] = measure_report(args.postgres_url)
    report["factors"] = measure_factors(args.postgres_url)
    print(f"[fairness] other clients' logins during floods, {args.fairness_seconds} s each")
    report["fairness"] = measure_fairness(args.fairness_seconds)
    out_file = ROOT / "bench" / "results" / "latest.json"
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)
    print_fairness(report["fairness"])
    print_webhooks(report["webhooks"])
    print_compliance_report(report["compliance_report"])
    print_factors(report["factors"])
    print(f"\nwritten to {out_file}")


if __name__ == "__main__":
    main()
