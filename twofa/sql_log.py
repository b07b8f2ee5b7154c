"""Counting the SQL statements Tortoise sends: for query-count tests and benchmarks.

Tortoise has no hook or event for executed queries (upstream: tortoise/tortoise-orm#591,
"Database event hooks", open since 2020; the answer there points to model signals, which
see saves and deletes, not statements). So this reads Tortoise's debug log, an internal
format, hence the ``tortoise-orm~=`` pin in ``pyproject.toml``:

- every statement is logged on the ``tortoise.db_client`` logger (``tortoise.log``);
- each ``execute_query``, ``execute_query_dict``, ``execute_insert`` and ``execute_many``
  of the SQLite and asyncpg clients logs it as ``log.debug("%s: %s", query, values)``, so
  a record whose ``msg`` is ``"%s: %s"`` carries the SQL as its first argument. Other
  records (connections opened and closed, ``execute_script``'s bare SQL, which only schema
  generation uses) are not counted.

If a Tortoise release changes that call, the counts drop to zero and the query-count tests
fail rather than pass silently.

The same records would put secrets in a DEBUG log: password and recovery-code hashes,
sealed TOTP secrets, token hashes, encrypted mail. ``RedactSecrets`` (installed by the app on
``tortoise.db_client``, before any handler sees a record) rewrites the values of every
statement that names one of ``SECRET_COLUMNS``: in an INSERT with a column list only those
columns' values become ``[redacted]``; in any other statement (an UPDATE, a lookup by token
hash) all its values do, since matching placeholders to columns would mean parsing SQL.
A ``StatementCounter`` still reads the values as bound (to EXPLAIN a statement again): the
filter keeps them beside the record, where no formatter looks. aiosqlite logs each call it
runs on its thread the same way (``"executing %s"`` with a ``functools.partial`` of the SQL
and its values), so the same filter rewrites those records on the ``aiosqlite`` logger.
"""

from __future__ import annotations

import functools
import logging
import re
import weakref
from typing import Any

QUERY_LOGGER = "tortoise.db_client"
"""Where Tortoise logs every statement at DEBUG level."""
DRIVER_LOGGER = "aiosqlite"
"""Where aiosqlite logs every call it runs (with its SQL and values) at DEBUG level."""


SECRET_COLUMNS = frozenset(
    {
        "password_hash",
        "secret_encrypted",
        "code_hash",
        "code_sealed",
        "token_hash",
        "digest",
        "content_encrypted",
        "previous_secret_encrypted",
    }
)
"""Columns whose values never reach a log."""
REDACTED = "[redacted]"
_NAMES_SECRET = re.compile(r"\b(" + "|".join(sorted(SECRET_COLUMNS)) + r")\b")
_INSERT_COLUMNS = re.compile(r"^\s*INSERT\s+INTO\s+\S+\s*\(([^)]*)\)\s*VALUES", re.IGNORECASE)


def redacted_values(sql: str, values: Any) -> Any:
    """Return ``values`` bound to ``sql`` with those of secret columns replaced."""
    if not values or not _NAMES_SECRET.search(sql):
        return values
    rows = values if isinstance(values[0], list | tuple) else None
    insert = _INSERT_COLUMNS.match(sql)
    if insert is None:
        redact_row = _redact_all
    else:
        names = [name.strip().strip('"`') for name in insert.group(1).split(",")]
        secret_positions = {i for i, name in enumerate(names) if name in SECRET_COLUMNS}

        def redact_row(row: Any) -> list[Any]:
            return [REDACTED if i in secret_positions else v for i, v in enumerate(row)]

    return [redact_row(row) for row in rows] if rows is not None else redact_row(values)


def _redact_all(row: Any) -> list[str]:
    return [REDACTED for _ in row]


_bound_values: weakref.WeakKeyDictionary[logging.LogRecord, tuple[Any, ...]] = (
    weakref.WeakKeyDictionary()
)
"""A redacted statement record's arguments as they were, for ``StatementCounter`` alone."""


class RedactSecrets(logging.Filter):
    """Rewrites statement records so that values of SECRET_COLUMNS read ``[redacted]``."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record's values in place; never drops a record."""
        args = record.args
        if not isinstance(args, tuple):
            return True
        if record.msg == "%s: %s" and len(args) == 2:
            sql, values = args
            redacted = redacted_values(str(sql), values)
            if redacted is not values:
                _bound_values[record] = args
                record.args = (sql, redacted)
        elif len(args) == 1 and isinstance(args[0], functools.partial):
            call = args[0]
            if len(call.args) >= 2 and isinstance(call.args[0], str):
                sql, values = call.args[0], call.args[1]
                name = getattr(call.func, "__name__", "call")
                record.args = (f"{name}({sql!r}, {redacted_values(sql, values)!r})",)
        return True


_redaction = RedactSecrets()


def redact_statement_values() -> None:
    """Install the redaction on Tortoise's and aiosqlite's loggers (idempotent)."""
    for name in (QUERY_LOGGER, DRIVER_LOGGER):
        logger = logging.getLogger(name)
        if _redaction not in logger.filters:
            logger.addFilter(_redaction)


class StatementCounter(logging.Handler):
    """Collects the statements sent while it is installed (use it as a context manager)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.statements: list[str] = []
        self.parameters: list[Any] = []
        """The values bound to each statement, in the same order (to EXPLAIN one again)."""
        self._logger = logging.getLogger(QUERY_LOGGER)
        self._previous_level = self._logger.level

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the SQL of a statement record; ignore connection chatter."""
        if record.msg == "%s: %s" and isinstance(record.args, tuple) and record.args:
            args = _bound_values.get(record, record.args)
            self.statements.append(str(args[0]))
            self.parameters.append(args[1] if len(args) > 1 else None)

    def __enter__(self) -> StatementCounter:
        self._logger.addHandler(self)
        self._logger.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._previous_level)
