"""Hand-written lookups that read several models in one statement, compiled once.

Authentication runs on every request, so its lookups (a session with its operator and
account, an API key with its account) are written once per SQL dialect from the models'
own column lists and sent as they are: no query is built per request. The rows become
models through ``model_rows.build`` (as Tortoise builds them), remembered by their raw
values (``ConvertedRows``). Columns a lookup does not need (its secrets) are left out, and
the models it builds are then partial, as ``.only()`` makes them: a full ``save()`` of one
is refused, and reading a column left out fails loudly.

Where the connection offers ``read_committed`` (twofa's SQLite engine, whose reads there
wait for no write in progress) the statement runs through it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.connection import get_connection
from tortoise.models import Model

from services.machinery.model_rows import ConvertedRows, build, datetime_columns, model_columns


@dataclass(frozen=True)
class JoinedStatement:
    """One dialect's statement and how to cut its rows into models."""

    sql: str
    models: tuple[type[Model], ...]
    columns: tuple[tuple[str, ...], ...]
    """Per model, the columns the statement reads for it, in order."""
    datetimes: tuple[frozenset[str], ...]
    """Per model, its columns that hold instants."""
    width: int
    """How many columns the models take; any further ones are the lookup's own."""


class JoinedLookup:
    """A lookup of models by aliases, compiled per dialect on first use.

    ``tables`` pairs each alias of the statement with the model it reads whole (less
    ``left_out``); ``rest`` writes what follows the selected columns (extra columns, FROM,
    joins, WHERE) given the dialect's placeholders.
    """

    def __init__(
        self,
        tables: tuple[tuple[str, type[Model]], ...],
        left_out: frozenset[str],
        rest: Callable[[tuple[str, ...]], str],
        placeholders: int,
        memo_size: int,
    ) -> None:
        self.tables = tables
        self.left_out = left_out
        self.rest = rest
        self.placeholders = placeholders
        self._statements: dict[str, JoinedStatement] = {}
        self._converted = ConvertedRows(memo_size)

    def _compile(self, dialect: str) -> JoinedStatement:
        """Write the statement with the dialect's placeholders."""
        marks = tuple(
            f"${n}" if dialect == "postgres" else "?" for n in range(1, self.placeholders + 1)
        )
        columns = tuple(
            tuple(column for column in model_columns(model) if column not in self.left_out)
            for _, model in self.tables
        )
        selected = ", ".join(
            f'{alias}."{column}"'
            for (alias, _), names in zip(self.tables, columns, strict=True)
            for column in names
        )
        return JoinedStatement(
            sql=f"SELECT {selected}{self.rest(marks)}",
            models=tuple(model for _, model in self.tables),
            columns=columns,
            datetimes=tuple(datetime_columns(model) for _, model in self.tables),
            width=sum(len(names) for names in columns),
        )

    async def first_row(self, values: list[Any]) -> tuple[JoinedStatement, tuple[Any, ...]] | None:
        """Run the statement; return it and its first row, or None without one."""
        connection = get_connection("default")
        dialect = connection.capabilities.dialect
        statement = self._statements.get(dialect)
        if statement is None:
            statement = self._statements[dialect] = self._compile(dialect)
        read_committed = getattr(connection, "read_committed", None)
        rows: Sequence[Any]
        if read_committed is not None:
            rows = await read_committed(statement.sql, values)
        else:
            _, rows = await connection.execute_query(statement.sql, values)
        return (statement, tuple(rows[0])) if rows else None

    def models(
        self,
        statement: JoinedStatement,
        row: tuple[Any, ...],
        link: Callable[[tuple[Model, ...]], None],
    ) -> tuple[Model, ...]:
        """Cut a row's leading columns into new models (remembered ones copied), in order.

        ``link`` sets the references between the models of a row (a session's operator),
        once, when they are first built.
        """
        raw = row[: statement.width]

        def build_all() -> tuple[Model, ...]:
            cut = iter(raw)
            built = tuple(
                build(model, columns, datetimes, cut)
                for model, columns, datetimes in zip(
                    statement.models, statement.columns, statement.datetimes, strict=True
                )
            )
            link(built)
            return built

        return self._converted.models(raw, build_all)
