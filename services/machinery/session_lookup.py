"""Reading a bearer token's session with everything its policy check needs, in one statement.

Every authenticated request starts here, so the statement is written once per SQL dialect
(from the models' own column lists, on first use) and sent as it is: no query is built per
request. One round trip returns the session, its operator, the operator's account and their
authenticator's state; the rows become model instances the way Tortoise itself builds them
(``Model._init_from_db``, which converts each column from its stored form).

The statement reads no secret that authentication does not need (``LEFT_OUT``): the models
it builds are partial, as Tortoise's ``.only()`` makes them, so a full ``save()`` of one is
refused and reading a column left out fails loudly instead of answering from a stale row.
Where the connection offers ``read_committed`` (twofa's SQLite engine, whose reads there
wait for no write in progress) the statement runs through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from tortoise.connection import get_connection
from tortoise.models import Model

from models import Account, Authenticator, Operator, Session
from services.machinery.model_rows import (
    ConvertedRows,
    build,
    datetime_columns,
    instant,
    model_columns,
)
from services.policy import TwoFactorState, authenticator_state

_ROWS: tuple[tuple[str, type[Model]], ...] = (
    ("s", Session),
    ("o", Operator),
    ("a", Account),
)
"""Table aliases of the statement and the models read whole, in column order."""
LEFT_OUT = frozenset({"password_hash", "token_hash"})
"""Columns the statement does not read: the operator's password hash, needed only where a
password is checked (which reads it then), and the session's token hash, which the caller
presented."""
MEMO_SIZE = 1024
"""Rows whose models are remembered (about one per session in use; see ``ConvertedRows``)."""


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
    columns: tuple[tuple[str, ...], ...]
    """Per model of ``_ROWS``, the columns the statement reads for it, in order."""
    datetimes: tuple[frozenset[str], ...]
    """Per model of ``_ROWS``, its columns that hold instants."""
    width: int
    """How many columns the models take; the authenticator's two follow."""


_statements: dict[str, _Statement] = {}
"""The compiled statement per dialect, built on first use (the models' columns are known
only once Tortoise has started)."""


def _compile(dialect: str) -> _Statement:
    """Write the lookup statement with the dialect's placeholders."""
    first, second = ("$1", "$2") if dialect == "postgres" else ("?", "?")
    columns = tuple(
        tuple(column for column in model_columns(model) if column not in LEFT_OUT)
        for _, model in _ROWS
    )
    selected = [
        f'{alias}."{column}"'
        for (alias, _), names in zip(_ROWS, columns, strict=True)
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
    datetimes = tuple(datetime_columns(model) for _, model in _ROWS)
    width = sum(len(names) for names in columns)
    return _Statement(sql=sql, columns=columns, datetimes=datetimes, width=width)


async def session_by_token_hash(token_hash: str, now: datetime) -> SessionRow | None:
    """Return the unexpired session stored under ``token_hash``, or None, in one statement."""
    connection = get_connection("default")
    dialect = connection.capabilities.dialect
    statement = _statements.get(dialect)
    if statement is None:
        statement = _statements[dialect] = _compile(dialect)
    values = [token_hash, now]
    read_committed = getattr(connection, "read_committed", None)
    if read_committed is not None:
        rows = await read_committed(statement.sql, values)
    else:
        _, rows = await connection.execute_query(statement.sql, values)
    if not rows:
        return None
    return _models(statement, tuple(rows[0]), now)


_converted = ConvertedRows(MEMO_SIZE)


def _models(statement: _Statement, row: tuple[Any, ...], now: datetime) -> SessionRow:
    """Cut one row into the session, operator and account, and read the 2FA state."""
    raw = row[: statement.width]

    def build_all() -> tuple[Model, ...]:
        cut = iter(raw)
        session, operator, account = (
            build(model, columns, datetimes, cut)
            for (_, model), columns, datetimes in zip(
                _ROWS, statement.columns, statement.datetimes, strict=True
            )
        )
        operator.account = account
        session.operator = operator
        return session, operator, account

    built = _converted.models(raw, build_all)  # in the order of _ROWS
    session, operator, _ = cast(tuple[Session, Operator, Account], built)
    fields = Authenticator._meta.fields_map
    confirmed_at, pending_expires_at = row[statement.width :]
    state = authenticator_state(
        confirmed_at=instant(fields["confirmed_at"], confirmed_at),
        pending_expires_at=instant(fields["pending_expires_at"], pending_expires_at),
        now=now,
    )
    return SessionRow(session=session, operator=operator, two_factor_state=state)
