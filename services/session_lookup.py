"""Reading a bearer token's session with everything its policy check needs, in one statement.

Every authenticated request starts here, so the statement is written once per SQL dialect
(from the models' own column lists, on first use) and sent as it is: no query is built per
request. One round trip returns the session, its operator, the operator's account and their
authenticator's state; the rows become model instances the way Tortoise itself builds them
(``Model._init_from_db``, which converts each column from its stored form).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from tortoise.connection import get_connection
from tortoise.fields import DatetimeField
from tortoise.models import Model

from models import Account, Authenticator, Operator, Session
from services.policy import TwoFactorState, authenticator_state

_ROWS: tuple[tuple[str, type[Model]], ...] = (
    ("s", Session),
    ("o", Operator),
    ("a", Account),
)
"""Table aliases of the statement and the models read whole, in column order."""


M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class SessionRow:
    """A live session read by token hash: its operator (account loaded) and their 2FA state."""

    session: Session
    """The session, with ``session.operator`` loaded."""
    operator: Operator
    """The session's operator, with ``operator.account`` loaded."""
    two_factor_state: TwoFactorState
    """The operator's authenticator state at the time of reading."""


@dataclass(frozen=True)
class _Statement:
    """The compiled statement of one dialect and how to cut its rows into models."""

    sql: str
    columns: tuple[tuple[type[Model], tuple[str, ...]], ...]
    datetimes: frozenset[str]
    """Columns (of any of the models) that hold instants."""


_statements: dict[str, _Statement] = {}
"""The compiled statement per dialect, built on first use (the models' columns are known
only once Tortoise has started)."""


def _columns(model: type[Model]) -> tuple[str, ...]:
    """Return the database columns ``Model._init_from_db`` reads, in a fixed order."""
    meta = model._meta
    return tuple(
        key
        for key, _, _ in (*meta.db_native_fields, *meta.db_default_fields, *meta.db_complex_fields)
    )


def _compile(dialect: str) -> _Statement:
    """Write the lookup statement with the dialect's placeholders."""
    first, second = ("$1", "$2") if dialect == "postgres" else ("?", "?")
    columns = tuple((model, _columns(model)) for _, model in _ROWS)
    selected = [
        f'{alias}."{column}"'
        for (alias, _), (_, names) in zip(_ROWS, columns, strict=True)
        for column in names
    ]
    sql = (
        f'SELECT {", ".join(selected)}, au."confirmed_at", au."pending_expires_at" '  # noqa: S608 - column names from the models
        f'FROM "{Session._meta.db_table}" s '
        f'JOIN "{Operator._meta.db_table}" o ON o."id" = s."operator_id" '
        f'JOIN "{Account._meta.db_table}" a ON a."id" = o."account_id" '
        f'LEFT JOIN "{Authenticator._meta.db_table}" au ON au."operator_id" = o."id" '
        f'WHERE s."token_hash" = {first} AND s."expires_at" > {second}'
    )
    datetimes = frozenset(
        field.source_field or name
        for _, model in _ROWS
        for name, field in model._meta.fields_map.items()
        if isinstance(field, DatetimeField)
    )
    return _Statement(sql=sql, columns=columns, datetimes=datetimes)


async def session_by_token_hash(token_hash: str, now: datetime) -> SessionRow | None:
    """Return the unexpired session stored under ``token_hash``, or None, in one statement."""
    connection = get_connection("default")
    dialect = connection.capabilities.dialect
    statement = _statements.get(dialect)
    if statement is None:
        statement = _statements[dialect] = _compile(dialect)
    _, rows = await connection.execute_query(statement.sql, [token_hash, now])
    if not rows:
        return None
    return _models(statement, tuple(rows[0]), now)


def _models(statement: _Statement, row: tuple[Any, ...], now: datetime) -> SessionRow:
    """Cut one row into the session, operator and account, and read the 2FA state."""
    (_, session_columns), (_, operator_columns), (_, account_columns) = statement.columns
    cut = iter(row)
    datetimes = statement.datetimes
    session = _build(Session, session_columns, datetimes, cut)
    operator = _build(Operator, operator_columns, datetimes, cut)
    operator.account = _build(Account, account_columns, datetimes, cut)
    session.operator = operator
    fields = Authenticator._meta.fields_map
    confirmed_at, pending_expires_at = next(cut), next(cut)
    state = authenticator_state(
        confirmed_at=fields["confirmed_at"].to_python_value(confirmed_at),
        pending_expires_at=fields["pending_expires_at"].to_python_value(pending_expires_at),
        now=now,
    )
    return SessionRow(session=session, operator=operator, two_factor_state=state)


def _build(
    model: type[M], columns: tuple[str, ...], datetimes: frozenset[str], values: Iterator[Any]
) -> M:
    """Build a model instance from the next ``len(columns)`` values, as Tortoise does.

    SQLite returns instants as ISO 8601 text: ``datetime.fromisoformat`` (in C) reads them
    several times faster than the parser Tortoise would use, and Tortoise then only sets
    the time zone.
    """
    row = {}
    for column in columns:
        value = next(values)
        if type(value) is str and column in datetimes:
            value = datetime.fromisoformat(value)
        row[column] = value
    return model._init_from_db(**row)
