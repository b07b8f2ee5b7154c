"""Running one measurement module on a throw-away SQLite file and PostgreSQL database.

Each database gets a process of its own (Tortoise binds its queries to the first database
a process opens): the module is run again with ``--one-database URL --output FILE`` and
writes its figures there as JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
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
