"""Counting the SQL statements Tortoise sends: for query-count tests and benchmarks."""

from __future__ import annotations

import logging

QUERY_LOGGER = "tortoise.db_client"
"""Where Tortoise logs every statement at DEBUG level."""


class StatementCounter(logging.Handler):
    """Collects the statements sent while it is installed (use it as a context manager)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.statements: list[str] = []
        self._logger = logging.getLogger(QUERY_LOGGER)
        self._previous_level = self._logger.level

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the SQL of a statement record; ignore connection chatter."""
        if record.msg == "%s: %s" and isinstance(record.args, tuple) and record.args:
            self.statements.append(str(record.args[0]))

    def __enter__(self) -> StatementCounter:
        self._logger.addHandler(self)
        self._logger.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._previous_level)
