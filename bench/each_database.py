"""Running one measurement module on a throw-away SQLite file and PostgreSQL database.

Each database gets a process of its own (Tortoise binds its queries to the first database
a process opens): the module is run again with ``--one-database URL --output FILE`` and
writes its figures there as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.servers import ROOT


def on_each_database(module: str, postgres_url: str | None) -> dict[str, Any]:
    """Run ``python -m module --one-database URL`` on SQLite and (unless None) PostgreSQL.

    Returns each database's figures by label; the databases are removed afterwards.
    """
    from bench.run import drop_pg_database, pg_database  # bench.run imports this module

    report: dict[str, Any] = {}
    work = ROOT / "bench" / "results"
    work.mkdir(parents=True, exist_ok=True)
    stem = f"{module.rsplit('.', 1)[-1]}-{os.getpid()}.sqlite3"
    targets: list[tuple[str, str, str | None]] = [("sqlite", f"sqlite://{work}/{stem}", None)]
    if postgres_url is not None:
        pg_url, pg_name = asyncio.run(pg_database(postgres_url))
        targets.append(("postgresql", pg_url, pg_name))
    try:
        for label, url, _ in targets:
            print(f"[{module}] {label}")
            with tempfile.NamedTemporaryFile(suffix=".json") as out:
                subprocess.run(  # noqa: S603 - a module of this project
                    [sys.executable, "-m", module, "--one-database", url, "--output", out.name],
                    check=True,
                    cwd=ROOT,
                )
                report[label] = json.loads(Path(out.name).read_text())
    finally:
        for leftover in work.glob(f"{stem}*"):
            leftover.unlink()
        for _, _, database in targets:
            if database is not None and postgres_url is not None:
                asyncio.run(drop_pg_database(postgres_url, database))
    return report


def command_line(
    description: str,
    name: str,
    one_database: Callable[[str], dict[str, Any]],
    measure: Callable[[str | None], dict[str, Any]],
) -> None:
    """Run a measurement module from the command line; write ``bench/results/<name>.json``.

    With ``--one-database URL --output FILE`` (how ``on_each_database`` calls it) it measures
    that database only and writes the figures to FILE.
    """
    from bench.run import DEFAULT_PG  # bench.run imports the measurement modules

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--one-database", help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_database:
        args.output.write_text(json.dumps(one_database(args.one_database)))
        return
    report = measure(None if args.no_postgres else args.postgres_url)
    report["when"] = datetime.now(UTC).isoformat(timespec="seconds")
    out_file = ROOT / "bench" / "results" / f"{name}.json"
    out_file.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {out_file}")
