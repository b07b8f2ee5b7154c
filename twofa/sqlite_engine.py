"""Tortoise's SQLite client, fixed for several processes and for a database that goes away.

- Tortoise begins SQLite transactions with a plain (deferred) ``BEGIN``. A transaction that
  reads and then writes fails at once with "database is locked" when another process wrote
  in between, without waiting for the busy timeout. ``BEGIN IMMEDIATE`` takes the write
  lock up front, waiting as long as the busy timeout allows, so each transaction runs whole.
  Upstream: tortoise/tortoise-orm#1675 (asks for IMMEDIATE transactions on SQLite; open and
  unanswered, Tortoise has no option for it).
- Tortoise keeps its connection lock when opening the database file (or ``BEGIN``) fails,
  which hangs every later query of the process. Here a failed start releases the lock, so
  the service recovers when the file can be opened again. Upstream: no upstream issue found
  as of November 2026; reported behaviour: in 1.1.9 ``ConnectionWrapper.__aenter__`` and
  ``SqliteTransactionContext.__aenter__`` acquire their ``asyncio.Lock`` and then connect
  (and ``BEGIN``) with nothing releasing it on an exception. tortoise/tortoise-orm#1655,
  about the same ``__aenter__``, is a different bug (a race when it connected first).
- Tortoise's client has one connection, held by one request at a time: a query waits for
  the statement before it to come back from SQLite's thread, and for any write transaction
  to end. ``read_committed`` reads through a second connection of the client's own, which
  SQLite (in WAL mode) lets read beside the writer: it sees what is committed, never a
  transaction in progress, and waits for neither. Authentication reads the caller's session
  this way, so a status query keeps answering while writes queue.

Tortoise internals this relies on, hence the ``tortoise-orm~=`` pin in ``pyproject.toml``
(re-read ``tortoise/backends/sqlite/client.py`` and ``tortoise/backends/base/client.py``
before raising it):

- the undocumented classes ``SqliteTransactionContext``, ``SqliteTransactionWrapper`` and
  ``ConnectionWrapper``, subclassed with their ``__aenter__`` and ``begin`` rewritten from
  the 1.1.9 bodies;
- their private state: ``_lock`` and ``_connection`` of the client and of the transaction
  wrapper, ``_trxlock``, ``token`` and ``connection_name`` of the transaction context, and
  ``ensure_connection()``;
- the private hook ``SqliteClient._in_transaction()`` that builds the transaction context;
- the engine module interface (``client_class`` / ``get_client_class``) that
  ``tortoise.connection`` looks up in the module named by a connection's ``engine``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from tortoise.backends.base.client import (
    ConnectionWrapper,
    TransactionalDBClient,
    TransactionContext,
)
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
    translate_exceptions,
)
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError


class ReleasingConnectionWrapper(ConnectionWrapper[Any]):
    """Tortoise's connection lock holder, except that a failed connect releases the lock."""

    async def __aenter__(self) -> Any:
        await self._lock.acquire()
        try:
            await self.ensure_connection()
        except BaseException:
            self._lock.release()
            raise
        return self.connection


class ReleasingTransactionContext(SqliteTransactionContext):
    """Tortoise's transaction context, except that a failed start releases the lock."""

    async def __aenter__(self) -> TransactionalDBClient:
        await self._trxlock.acquire()
        try:
            await self.ensure_connection()
            self.token = get_connections().set(self.connection_name, self.connection)
            try:
                await self.connection.begin()
            except BaseException:
                get_connections().reset(self.token)
                raise
        except BaseException:
            self._trxlock.release()
            raise
        return self.connection  # type: ignore[no-any-return]


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    """A transaction that starts with ``BEGIN IMMEDIATE``."""

    def acquire_connection(self) -> ConnectionWrapper[Any]:
        """Hold the transaction's connection, releasing the lock if that fails."""
        return ReleasingConnectionWrapper(self._lock, self)

    async def begin(self) -> None:
        """Start the transaction, holding SQLite's write lock from the start."""
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    """Tortoise's SQLite client, with immediate transactions and locks that are released.

    It keeps a second connection for reads of committed rows.
    """

    _reader: aiosqlite.Connection | None = None
    """The connection ``read_committed`` uses, opened on its first call."""
    _opening_reader: asyncio.Lock | None = None
    """Held while the reader opens, so that concurrent first calls open one."""

    @translate_exceptions
    async def read_committed(self, query: str, values: Sequence[Any]) -> list[Any]:
        """Run a read-only statement on the reader, outside any transaction; return its rows.

        A database in memory has no second connection to it: there the statement runs on
        the client's own connection. The statement is logged as Tortoise logs its own.
        """
        if self.filename == ":memory:":
            _, rows = await self.execute_query(query, list(values))
            return list(rows)
        reader = self._reader or await self._open_reader()
        self.log.debug("%s: %s", query, values)
        return list(await reader.execute_fetchall(query, values))

    async def _open_reader(self) -> aiosqlite.Connection:
        """Open the reader on the client's file, refusing writes, once."""
        if self._opening_reader is None:
            self._opening_reader = asyncio.Lock()
        async with self._opening_reader:
            if self._reader is None:
                reader = await aiosqlite.connect(self.filename, isolation_level=None)
                try:
                    await reader.execute("PRAGMA query_only = ON")
                except BaseException:
                    await reader.close()
                    raise
                self._reader = reader
            return self._reader

    async def close(self) -> None:
        """Close the client's connection and its reader."""
        await super().close()
        if self._reader is not None:
            reader, self._reader = self._reader, None
            await reader.close()

    def acquire_connection(self) -> ConnectionWrapper[Any]:
        """Hold the connection, releasing the lock if opening the file fails."""
        return ReleasingConnectionWrapper(self._lock, self)

    def _in_transaction(self) -> TransactionContext:
        return ReleasingTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient
"""What Tortoise instantiates for a connection whose engine is this module."""


def get_client_class(db_info: dict[str, Any]) -> type[ImmediateSqliteClient]:
    """Return the client class for a connection (Tortoise's engine interface)."""
    return ImmediateSqliteClient
