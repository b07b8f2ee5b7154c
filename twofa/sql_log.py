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
"""

from __future__ import annotations

import logging
from typing import Any

QUERY_LOGGER = "tortoise.db_client"
"""Where Tortoise logs every statement at DEBUG level."""


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
            self.statements.append(str(record.args[0]))
            self.parameters.append(record.args[1] if len(record.args) > 1 else None)

    def __enter__(self) -> StatementCounter:
        self._logger.addHandler(self)
        self._logger.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._previous_level)
