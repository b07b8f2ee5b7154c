"""The two-factor compliance report: every operator of an account as CSV, streamed.

The rows come from the policy view of ``services.operators.directory`` (the statement the
lists, filters and counts use), so the report's mode, state and compliance are those of
the API by construction; the deadline is ``Deadlines.deadline``, as ``setupDeadline``'s.

Memory does not grow with the account: rows are read ``BATCH`` at a time and each batch is
written out before the next is read.

- PostgreSQL: one statement through a server-side cursor (asyncpg) in a read-only
  transaction, so that every row is as of one snapshot. The transaction holds one of the
  pool's connections while the client downloads; a client that stops reading for
  ``STALLED_CLIENT_SECONDS`` has its database session ended by the server
  (``idle_in_transaction_session_timeout``), which gives the connection back.
- SQLite: one statement per batch, the next batch starting after the last id read (keyset
  paging on ``(account_id, id)``, as ``operator_page`` pages). Tortoise's SQLite client
  has one connection for the whole process: a cursor left open while a client downloads
  would hold its lock (every other request waiting) or keep a read snapshot open (the
  write-ahead log could not be checkpointed). Between batches nothing is held; the
  price is that rows are not all of one snapshot (an operator changed during the download
  is shown as they were when their batch was read).

Cells are written by the ``csv`` module as RFC 4180 says (quoted when they hold a comma,
a quote or a line break; CRLF line ends). A cell that a spreadsheet would read as a
formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a
leading ``'``, as OWASP recommends against CSV injection: names and emails are chosen by
users.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import AsyncGenerator, Iterable, Mapping, Sequence
from contextlib import aclosing
from datetime import UTC, datetime
from typing import Any

import asyncpg

from models import Account, TwoFactorMode
from services.errors import DATABASE_UNAVAILABLE
from services.operators import deadlines_of
from services.operators.directory import _OPERATOR_PREFIX, _Query
from services.policy import Deadlines, TwoFactorState, effective_mode, requires_setup
from services.webhooks.events import global_id

logger = logging.getLogger("twofa.reports")

COLUMNS = (
    "id",
    "email",
    "name",
    "role",
    "status",
    "mode",
    "source",
    "compliance",
    "configured_at",
    "setup_deadline",
    "last_login_at",
)
"""The report's header row."""
BATCH = 1_000
"""Operators read (and written out) at a time."""
STALLED_CLIENT_SECONDS = 60
"""How long the PostgreSQL transaction may wait for a client that stopped reading."""
SESSION_NAME = "twofa compliance report"
"""``application_name`` of a PostgreSQL session while it reads a report."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a cell may not start with unprefixed: spreadsheets would read it as a formula."""

_OPERATOR_COLUMNS = (
    "email",
    "name",
    "two_factor_override",
    "two_factor_configured_at",
    "last_login_at",
)
"""The operator's own columns the report reads besides the policy view's."""

Row = Mapping[str, Any]

_SESSION_ENDED: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.InterfaceError,  # "the underlying connection is closed"
    *DATABASE_UNAVAILABLE,
)
"""What reading the next batch raises once the database session has ended."""


class ReportCut(Exception):
    """The report could not be read to its end: the database session ended under it."""


def report_filename(now: datetime) -> str:
    """Return the name the report is saved under: ``two-factor-compliance-<UTC date>.csv``."""
    return f"two-factor-compliance-{now.astimezone(UTC).date().isoformat()}.csv"


async def compliance_report(account: Account, now: datetime) -> AsyncGenerator[bytes, None]:
    """Yield the account's report as UTF-8 CSV: the header, then a chunk per batch.

    Every operator is judged at ``now`` (their compliance and deadline).
    """
    deadlines = deadlines_of(account, now)
    yield csv_lines([COLUMNS])
    try:
        async with aclosing(_batches(account.id, deadlines, BATCH)) as batches:
            async for rows in batches:
                yield csv_lines(
                    report_row(row, account.two_factor_default, deadlines) for row in rows
                )
    except _SESSION_ENDED as error:
        logger.warning(
            "Report cut short: the database session ended (a client that stopped reading for "
            "%s s, or the database went away): %r",
            STALLED_CLIENT_SECONDS,
            error,
        )
        raise ReportCut from error


async def _batches(
    account_id: int, deadlines: Deadlines, batch: int
) -> AsyncGenerator[Sequence[Row], None]:
    """Yield the account's operators in id order, ``batch`` at a time."""
    if _Query().postgres:
        async with aclosing(_cursor_batches(account_id, deadlines, batch)) as batches:
            async for rows in batches:
                yield rows
        return
    after = 0
    while True:
        query = _Query()
        sql = await query.view(account_id, deadlines, None, operator_columns=_OPERATOR_COLUMNS)
        sql += f" AND id > {query.param(after)} ORDER BY id LIMIT {query.param(batch)}"
        rows = await query.rows(sql)
        if rows:
            yield rows
        if len(rows) < batch:
            return
        after = rows[-1]["id"]


async def _cursor_batches(
    account_id: int, deadlines: Deadlines, batch: int
) -> AsyncGenerator[Sequence[Row], None]:
    """Yield the rows of one statement through a PostgreSQL server-side cursor."""
    query = _Query()
    sql = await query.view(account_id, deadlines, None, operator_columns=_OPERATOR_COLUMNS)
    sql += " ORDER BY id"
    client: Any = query.connection
    async with client.acquire_connection() as connection:
        transaction = connection.transaction(readonly=True)
        await transaction.start()
        ended = False
        try:
            # A whole number of milliseconds: SET takes no placeholder. The name shows the
            # session for what it is in pg_stat_activity while the report is read.
            await connection.execute(
                "SET LOCAL idle_in_transaction_session_timeout = "
                f"{int(STALLED_CLIENT_SECONDS * 1000)}; "
                f"SET LOCAL application_name = '{SESSION_NAME}'"
            )
            client.log.debug("%s: %s", sql, query.values)  # as Tortoise logs its own
            cursor = await connection.cursor(sql, *query.values)
            while rows := await cursor.fetch(batch):
                yield rows
        except _SESSION_ENDED:
            # The session ended under the cursor: the server's timeout, or an outage.
            ended = True
            raise
        finally:
            if not ended:
                await transaction.rollback()  # read only: nothing to keep


def report_row(row: Row, account_default: TwoFactorMode, deadlines: Deadlines) -> list[str]:
    """Return one operator's cells from their row of the policy view."""
    mode = TwoFactorMode(row["mode"])
    state = TwoFactorState(row["state"])
    override = row[_OPERATOR_PREFIX + "two_factor_override"]
    _, source = effective_mode(
        account_default=account_default,
        override=TwoFactorMode(override) if override is not None else None,
        uses_single_sign_on=bool(row["sso"]),
    )
    deadline = (
        deadlines.deadline(_instant(row["required_since"])) if requires_setup(mode, state) else None
    )
    return [
        global_id("Operator", row["id"]),
        row[_OPERATOR_PREFIX + "email"],
        row[_OPERATOR_PREFIX + "name"],
        row["role"],
        row["status"],
        mode.value,
        source.value,
        row["compliance"],
        _text(_instant(row[_OPERATOR_PREFIX + "two_factor_configured_at"])),
        _text(deadline),
        _text(_instant(row[_OPERATOR_PREFIX + "last_login_at"])),
    ]


def csv_lines(rows: Iterable[Sequence[str]]) -> bytes:
    """Return rows as RFC 4180 CSV lines in UTF-8, every cell made safe from formulas."""
    buffer = io.StringIO()
    # Every cell quoted: a spreadsheet whose list separator is ";" would otherwise split
    # "Nia;=1+1" into a cell that starts with "=".
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode()


def safe_cell(text: str) -> str:
    """Return ``text`` with a leading ``'`` if a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _instant(value: datetime | str | None) -> datetime | None:
    """Read an instant as the driver returns it (SQLite: ISO 8601 text)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def _text(value: datetime | None) -> str:
    """Write an instant in ISO 8601, in UTC, as the API does; empty for none."""
    return value.astimezone(UTC).isoformat() if value is not None else ""
