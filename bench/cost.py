"""What a guess costs: wrong TOTP and recovery codes, ten new codes, a flood of logins.

Part of ``make bench``, and runs on its own with ``python -m bench.cost``. At the
production argon2id parameters (never the tests' cheap ones):

- on one SQLite database, on the service functions in this process: the median wall and CPU time of a wrong TOTP
  code at login (``verify_login_code``, the baseline), a wrong recovery code for an operator
  holding ten sealed codes and for one still holding ten argon2id codes of the old format,
  and ``regenerate_recovery_codes``; then the same through ``POST /graphql`` on the app;
- one argon2id verification: what every login with a password costs;
- a viewer query's latency on a running server, idle and under a flood of wrong logins
  (``bench.flood``), on SQLite and on PostgreSQL.

CPU time is the whole process's (``time.process_time``), so it includes the threads that
run argon2 and SQLite. Every throttle counter is cleared between repetitions, untimed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from tortoise import Tortoise

from bench.cost_probes import Cost, Subjects, make_subjects, refused, timed, wrong_totp_code
from bench.load import VERIFY
from bench.servers import ROOT
from models import TokenPurpose
from services.auth import recovery_codes
from services.auth.code_step import verify_login_code
from services.enrollment.own_authenticator import regenerate_recovery_codes
from services.errors import ErrorCode
from services.machinery import throttle, tokens, totp
from services.machinery.clock import FrozenClock
from services.machinery.encryption import SecretBox, generate_key
from services.machinery.hashing import Argon2Parameters
from services.sessions import authenticate
from twofa.app import create_app
from twofa.database import apply_migrations, tortoise_config
from twofa.settings import Settings

REPETITIONS = 40
"""Repetitions of each cheap measurement (the median is reported)."""
SLOW_REPETITIONS = 5
"""Repetitions of the measurements that cost argon2 verifications."""
REGENERATE = (
    "mutation ($k: String!) { regenerateRecoveryCodes(input: {code: $k}) "
    "{ recoveryCodes userErrors { code } } }"
)


async def service_costs(subjects: Subjects) -> dict[str, Cost]:
    """Time the service functions directly."""
    deps, clock, sealed, legacy = subjects.deps, subjects.clock, subjects.sealed, subjects.legacy
    now = clock.now()
    costs = {"argon2id_verify": await timed(
        lambda: deps.hasher.verify(subjects.password_hash, "wrong"), SLOW_REPETITIONS
    )}  # fmt: skip
    for name, operator, repetitions, code in (
        ("wrong_totp", sealed, REPETITIONS, wrong_totp_code(subjects.secret, now)),
        ("wrong_recovery_code", sealed, REPETITIONS, recovery_codes.new_code()),
        ("wrong_recovery_code_old_format", legacy, SLOW_REPETITIONS, recovery_codes.new_code()),
    ):
        challenge = await tokens.issue(operator.id, TokenPurpose.LOGIN_CHALLENGE, now)
        key = throttle.code_key(operator.id)
        costs[name] = await timed(
            lambda c=challenge, k=code: refused(verify_login_code(deps, c, k)),  # type: ignore[misc]
            repetitions,
            reset=lambda k=key: throttle.succeeded(k),  # type: ignore[misc]
        )
    costs["generate_ten_codes"] = await timed(
        lambda: recovery_codes.generate(deps.box), REPETITIONS
    )
    found = await authenticate(await subjects.new_session(now), now)
    assert found is not None
    session = found[0]

    async def regenerate() -> None:
        clock.advance(timedelta(seconds=totp.STEP_SECONDS))
        code = totp.code_at(subjects.secret, totp.time_step(clock.now()))
        await regenerate_recovery_codes(deps, sealed, session, code)

    costs["regenerate_recovery_codes"] = await timed(regenerate, REPETITIONS)
    return costs


async def graphql_costs(settings: Settings, subjects: Subjects) -> dict[str, Cost]:
    """Time the same operations through ``POST /graphql`` on the app, in this process."""
    clock = subjects.clock
    app = create_app(settings, clock=clock)
    costs: dict[str, Cost] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:

            async def verify(challenge: str, code: str) -> None:
                body = {"query": VERIFY, "variables": {"c": challenge, "k": code}}
                answer = (await http.post("/graphql", json=body)).json()
                errors = answer["data"]["verifyTwoFactorCode"]["userErrors"]
                if [error["code"] for error in errors] != [ErrorCode.INVALID_CODE.value]:
                    raise SystemExit(f"expected INVALID_CODE, got {answer}")

            now = clock.now()
            for name, operator, repetitions, code in (
                ("wrong_totp", subjects.sealed, REPETITIONS, wrong_totp_code(subjects.secret, now)),
                ("wrong_recovery_code", subjects.sealed, REPETITIONS, recovery_codes.new_code()),
                ("wrong_recovery_code_old_format", subjects.legacy, SLOW_REPETITIONS,
                 recovery_codes.new_code()),
            ):  # fmt: skip
                challenge = await tokens.issue(operator.id, TokenPurpose.LOGIN_CHALLENGE, now)
                key = throttle.code_key(operator.id)
                costs[name] = await timed(
                    lambda c=challenge, k=code: verify(c, k),  # type: ignore[misc]
                    repetitions,
                    reset=lambda k=key: throttle.succeeded(k),  # type: ignore[misc]
                )
            token = await subjects.new_session(clock.now())

            async def regenerate() -> None:
                clock.advance(timedelta(seconds=totp.STEP_SECONDS))
                code = totp.code_at(subjects.secret, totp.time_step(clock.now()))
                answer = (
                    await http.post(
                        "/graphql",
                        json={"query": REGENERATE, "variables": {"k": code}},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                ).json()
                if len(answer["data"]["regenerateRecoveryCodes"]["recoveryCodes"] or []) != 10:
                    raise SystemExit(f"regenerateRecoveryCodes failed: {answer}")

            costs["regenerate_recovery_codes"] = await timed(regenerate, REPETITIONS)
    return costs


def against_baseline(costs: dict[str, Cost]) -> dict[str, Any]:
    """Report each cost with its difference from, and ratio to, the wrong TOTP code."""
    base = costs["wrong_totp"]
    return {
        name: {
            **cost.as_dict(),
            "wall_minus_wrong_totp_ms": round(cost.wall_ms - base.wall_ms, 2),
            "cpu_minus_wrong_totp_ms": round(cost.cpu_ms - base.cpu_ms, 2),
            "wall_ratio_to_wrong_totp": round(cost.wall_ms / base.wall_ms, 2),
        }
        for name, cost in costs.items()
    }


async def _in_process(url: str, key: str) -> dict[str, Any]:
    """Seed the database and measure the code checks in-process and through the app."""
    await apply_migrations(url)
    await Tortoise.init(config=tortoise_config(url))
    clock = FrozenClock(datetime.now(UTC))
    try:
        subjects = await make_subjects(SecretBox([key]), clock)
        service = await service_costs(subjects)
    finally:
        await Tortoise.close_connections()
    settings = Settings(database_url=url, encryption_keys=(key,), password_hash=Argon2Parameters())
    graphql = await graphql_costs(settings, subjects)
    return {"service": against_baseline(service), "graphql": against_baseline(graphql)}


def flood_on(url: str, seconds: int) -> dict[str, Any]:
    """Run ``bench.flood`` against ``url`` in a process of its own; return its figures."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(  # noqa: S603 - our own module
            [sys.executable, "-m", "bench.flood", "--database-url", url,
             "--seconds", str(seconds), "--output", out.name],
            check=True, cwd=ROOT,
        )  # fmt: skip
        figures: dict[str, Any] = json.loads(Path(out.name).read_text())
    return figures


def measure(seconds: int, postgres_url: str | None) -> dict[str, Any]:
    """Run every cost measurement; print and return the figures.

    The code checks run on a fresh SQLite database; the flood on SQLite and, unless
    ``postgres_url`` is None, on a throw-away PostgreSQL database.
    """
    from bench.run import drop_pg_database, pg_database  # bench.run imports this module

    work = ROOT / "bench" / "results"
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "argon2": Argon2Parameters().describe(),
        "cores": os.cpu_count(),
        "load_average_before": [round(load, 2) for load in os.getloadavg()],
    }
    path = work / f"cost-{secrets.token_hex(4)}.sqlite3"
    try:
        print("[cost] recovery codes and hashing, in-process and through /graphql")
        report.update(asyncio.run(_in_process(f"sqlite://{path}", generate_key())))
    finally:
        for leftover in work.glob(f"{path.name}*"):
            leftover.unlink()
    report["flood"] = {}
    path = work / f"flood-{secrets.token_hex(4)}.sqlite3"
    try:
        print(f"[cost] SQLite: viewer query idle, then under {seconds} s of wrong logins")
        report["flood"]["sqlite"] = flood_on(f"sqlite://{path}", seconds)
    finally:
        for leftover in work.glob(f"{path.name}*"):
            leftover.unlink()
    if postgres_url is not None:
        url, name = asyncio.run(pg_database(postgres_url))
        try:
            print(f"[cost] PostgreSQL: viewer query idle, then under {seconds} s of wrong logins")
            report["flood"]["postgresql"] = flood_on(url, seconds)
        finally:
            asyncio.run(drop_pg_database(postgres_url, name))
    report["load_average_after"] = [round(load, 2) for load in os.getloadavg()]
    print_report(report)
    print(f"{report['argon2']}, {report['cores']} cores, load average before/after "
          f"{report['load_average_before'][0]}/{report['load_average_after'][0]}")  # fmt: skip
    return report


def print_report(report: dict[str, Any]) -> None:
    """Print the cost lines."""
    print(f"\n{'cost (median)':44} {'wall ms':>9} {'cpu ms':>9} {'wall/cpu - wrong TOTP':>22}")
    for where in ("service", "graphql"):
        for name, figures in report[where].items():
            print(
                f"{where + ': ' + name:44} {figures['wall_ms']:9.2f} {figures['cpu_ms']:9.2f} "
                f"{figures['wall_minus_wrong_totp_ms']:+11.2f} {figures['cpu_minus_wrong_totp_ms']:+10.2f}"
            )
    for database, flood in report["flood"].items():
        idle, under, after = flood["idle_before"], flood["flood"], flood["idle_after"]
        print(
            f"{database} viewer p50/p99 idle {idle['p50_ms']:.1f}/{idle['p99_ms']:.1f} ms, after "
            f"{after['p50_ms']:.1f}/{after['p99_ms']:.1f} ms, under "
            f"{flood['attackers']} wrong-login clients {under['p50_ms']:.1f}/{under['p99_ms']:.1f}"
            f" ms (p50 {flood['p50_ratio_to_idle']}x idle); logins {flood['logins']}, first wave "
            f"{flood['first_wave']}, attacker addresses seen {flood['addresses_seen']}"
        )


def main() -> None:
    """Run the cost measurements alone and write ``bench/results/cost.json``."""
    from bench.run import DEFAULT_PG  # bench.run imports this module

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "10")))
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    parser.add_argument(
        "--no-postgres", action="store_true", help="measure the flood on SQLite only"
    )
    args = parser.parse_args()
    report = measure(args.seconds, None if args.no_postgres else args.postgres_url)
    out_file = ROOT / "bench" / "results" / "cost.json"
    out_file.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {out_file}")


if __name__ == "__main__":
    main()
