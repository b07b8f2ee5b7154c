"""The compliance report of 100,000 operators, downloaded from a real server.

Part of ``make bench``, and runs on its own with ``python -m bench.report``. On SQLite and
PostgreSQL, each in a process of its own (Tortoise binds its queries to the first database
a process opens): an account of 100,000 operators in a mix of compliance states is seeded
in bulk, twofa is served by uvicorn (one worker, as ``make bench`` serves it), and
``GET /reports/two-factor-compliance.csv`` is downloaded with an API key holding
READ_OPERATORS, ``DOWNLOADS`` times in a row:

- ``seconds``: from sending the request until the last byte arrived;
- ``peak_above_idle_mb``: the server's peak resident memory during the download (its
  ``VmHWM``, reset before each download through ``/proc/<pid>/clear_refs``) less its
  resident memory at rest (``VmRSS``, after a first download of a small account's report
  has loaded every code path the report uses).

Targets (issue 23): under 10 s and under 50 MB above idle.
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from tortoise import Tortoise
from tortoise.connection import get_connection

from bench.each_database import command_line, on_each_database
from bench.servers import uvicorn
from models import Account, ApiKey, TwoFactorMode
from services.api_keys import SHOWN_PREFIX_LENGTH, ApiKeyScope, new_secret
from services.machinery.encryption import generate_key
from services.machinery.tokens import hash_token
from twofa.database import apply_migrations, tortoise_config
from twofa.reports import COMPLIANCE_REPORT_PATH

OPERATORS = 100_000
"""Operators of the measured account."""
SMALL = 100
"""Operators of the account whose report warms the server up."""
DOWNLOADS = 2
"""Downloads measured in a row (the second shows whether anything stays behind)."""
TARGET_SECONDS = 10.0
TARGET_ABOVE_IDLE_MB = 50.0

_SEED = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
INSERT INTO operators (account_id, email, email_key, email_folded, name, name_key, role,
  status, uses_single_sign_on, two_factor_override, two_factor_required_since, created_at,
  last_login_at)
SELECT {account}, '{label}' || i || '@bench.example', '{label}' || i || '@bench.example',
  '{label}' || i || '@bench.example', 'Operator, "No." ' || i, 'operator, "no." ' || i,
  CASE WHEN i % 50 = 0 THEN 'ADMINISTRATOR' ELSE 'BASIC' END,
  CASE WHEN i % 20 = 0 THEN 'INVITED' ELSE 'ACTIVE' END,
  (i % 10 = 0),
  CASE WHEN i % 7 = 0 THEN 'OPTIONAL' ELSE NULL END,
  CASE WHEN i % 4 = 0 THEN {recent} WHEN i % 4 = 1 THEN {long_ago} ELSE NULL END,
  {now},
  CASE WHEN i % 20 = 0 THEN NULL ELSE {now} END
FROM n
"""
"""Operators in every compliance state: single sign-on, overrides, invitations, grace
periods running and over; a third get a confirmed authenticator (``_CONFIGURE``)."""
_CONFIGURE = """
INSERT INTO authenticators (operator_id, secret_encrypted, confirmed_at, last_used_step,
  created_at)
SELECT id, 'not a secret', {now}, 0, {now} FROM operators WHERE account_id = {account}
  AND id % 3 = 0
"""
_CONFIGURED_AT = """
UPDATE operators SET two_factor_configured_at = {now} WHERE account_id = {account}
  AND id % 3 = 0
"""


async def _account(name: str, count: int, label: str) -> str:
    """Create an account of ``count`` operators and a READ_OPERATORS key; return its secret."""
    now = datetime.now(UTC)
    account = await Account.create(
        name=name,
        two_factor_default=TwoFactorMode.REQUIRED,
        two_factor_grace_period_hours=72,
        created_at=now,
    )
    connection = get_connection("default")
    postgres = connection.capabilities.dialect == "postgres"

    def mark(n: int, cast: str = "") -> str:
        return f"${n}{cast}" if postgres else f"?{n}"

    stamp = "::timestamptz"
    values = [account.id, now - timedelta(hours=1), now - timedelta(hours=100), now]
    seed = _SEED.format(
        count=count,
        label=label,
        account=mark(1),
        recent=mark(2, stamp),
        long_ago=mark(3, stamp),
        now=mark(4, stamp),
    )
    await connection.execute_query(seed, values)
    for statement in (_CONFIGURE, _CONFIGURED_AT):
        sql = statement.format(now=mark(1, stamp), account=mark(2))
        await connection.execute_query(sql, [now, account.id])
    secret = new_secret()
    await ApiKey.create(
        account=account, name="Bench report", scopes=[ApiKeyScope.READ_OPERATORS.value],
        prefix=secret[:SHOWN_PREFIX_LENGTH], digest=hash_token(secret), created_at=now,
        expires_at=now + timedelta(days=1),
    )  # fmt: skip
    return secret


async def _prepare(url: str) -> tuple[str, str]:
    """Migrate and seed; return the keys of the small and of the large account."""
    await apply_migrations(url)
    await Tortoise.init(config=tortoise_config(url))
    try:
        small = await _account("Small", SMALL, "small")
        large = await _account("Large", OPERATORS, "op")
        if get_connection("default").capabilities.dialect == "postgres":
            await get_connection("default").execute_script("ANALYZE")  # as autovacuum would
        return small, large
    finally:
        await Tortoise.close_connections()


def _server_pid(base: str) -> int:
    """Return the process id of the uvicorn this process started for ``base``."""
    port = base.rsplit(":", 1)[1]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if ppid == os.getpid() and b"uvicorn" in command and port.encode() in command:
            return int(entry.name)
    raise SystemExit(f"no server process found for {base}")


def _memory_kib(pid: int, field: str) -> int:
    """Return a ``/proc/<pid>/status`` figure in KiB (``VmRSS``, ``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise SystemExit(f"{field} missing for process {pid}")


def _download(base: str, secret: str) -> tuple[float, int, int]:
    """Download the report; return the seconds it took, its bytes and its lines."""
    size = lines = 0
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {secret}"}
    with httpx.stream("GET", base + COMPLIANCE_REPORT_PATH, headers=headers, timeout=120) as r:
        r.raise_for_status()
        for chunk in r.iter_raw():
            size += len(chunk)
            lines += chunk.count(b"\r\n")
    return time.perf_counter() - started, size, lines


def _one_database(url: str) -> dict[str, Any]:
    small, large = asyncio.run(_prepare(url))
    env = {"DATABASE_URL": url, "ENCRYPTION_KEYS": generate_key()}
    with uvicorn("twofa.app:create_app", env=env, factory=True) as base:
        pid = _server_pid(base)
        _download(base, small)  # loads every code path the report uses
        idle = _memory_kib(pid, "VmRSS")
        runs = []
        for _ in range(DOWNLOADS):
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
            seconds, size, lines = _download(base, large)
            peak = _memory_kib(pid, "VmHWM")
            if lines != OPERATORS + 1:
                raise SystemExit(f"the report had {lines} lines, not {OPERATORS + 1}")
            runs.append(
                {
                    "seconds": round(seconds, 2),
                    "rows_per_second": round(OPERATORS / seconds),
                    "megabytes": round(size / 1e6, 1),
                    "lines": lines,
                    "peak_rss_mb": round(peak / 1024, 1),
                    "peak_above_idle_mb": round((peak - idle) / 1024, 1),
                }
            )
        after = _memory_kib(pid, "VmRSS")
    return {
        "operators": OPERATORS,
        "idle_rss_mb": round(idle / 1024, 1),
        "rss_after_mb": round(after / 1024, 1),
        "downloads": runs,
    }


def measure(postgres_url: str | None) -> dict[str, Any]:
    """Measure on SQLite and (unless None) PostgreSQL; print and return the figures."""
    report = on_each_database("bench.report", postgres_url)
    print_report(report)
    return report


def print_report(report: dict[str, Any]) -> None:
    """Print the report lines, against the targets."""
    for label, figures in report.items():
        for n, run in enumerate(figures["downloads"], 1):
            within = (
                run["seconds"] < TARGET_SECONDS and run["peak_above_idle_mb"] < TARGET_ABOVE_IDLE_MB
            )
            print(
                f"{label} compliance report, {figures['operators']:,} operators, download {n}: "
                f"{run['seconds']} s ({run['rows_per_second']:,} rows/s, {run['megabytes']} MB), "
                f"server peak {run['peak_above_idle_mb']} MB above idle "
                f"({figures['idle_rss_mb']} MB at rest) — "
                f"{'within' if within else 'OVER'} the targets ({TARGET_SECONDS:g} s, "
                f"{TARGET_ABOVE_IDLE_MB:g} MB)"
            )


def main() -> None:
    """Measure alone and write ``bench/results/report.json``."""
    command_line(__doc__ or "", "report", _one_database, measure)


if __name__ == "__main__":
    main()
