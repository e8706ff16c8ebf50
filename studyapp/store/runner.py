"""Runs the store's statements (store/statements.py) by name, in one transaction.

- On a SQLite file: their SQL compiled ahead of time (store/compiled_sqlite.py), through the
  standard library's sqlite3 on a few pooled connections (`SqliteFile`), so that start-up
  never imports SQLAlchemy and a grade pays no per-statement SQLAlchemy work.
- On PostgreSQL through psycopg: the same, with their PostgreSQL text compiled ahead of
  time (store/compiled_postgresql.py), on psycopg's own pooled connections
  (store/postgres_server.py).
- Anywhere else, and inside a SQLAlchemy session's transaction (CoreRunner): on a SQLAlchemy
  connection, the same statements (compiled once per dialect, or taken from the generated
  files) run with `exec_driver_sql` (SQLAlchemy's examples/performance recipe; cheaper per
  statement than executing Core).

Parameters go in and rows come out in their stored form on both paths (store/types.py:
days as ordinals, moments as epoch milliseconds, easiness as hundredths); store/rows.py
converts them. A database error met inside a transaction leaves it as `StoreError`
(store/errors.py), classified by store.db.explain, with the original as its cause.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studyapp.store.compiled_sqlite import SQL
from studyapp.store.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy import Connection, Dialect
    from sqlalchemy.orm import Session

Params = Mapping[str, Any] | None


class Runner:
    """Runs named statements in one transaction: the caller's, or one from
    Database.reading() or Database.writing()."""

    def all(self, name: str, params: Params = None) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def run(self, name: str, params: Params = None) -> int:
        """Execute a statement that changes rows; returns how many it changed."""
        raise NotImplementedError

    def one(self, name: str, params: Params = None) -> tuple[Any, ...] | None:
        rows = self.all(name, params)
        return rows[0] if rows else None

    def scalar(self, name: str, params: Params = None) -> Any:
        row = self.one(name, params)
        return None if row is None else row[0]


class SqliteRunner(Runner):
    """The statements' SQLite text on a sqlite3 connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def all(self, name: str, params: Params = None) -> list[tuple[Any, ...]]:
        return self.connection.execute(SQL[name], params or {}).fetchall()

    def run(self, name: str, params: Params = None) -> int:
        return self.connection.execute(SQL[name], params or {}).rowcount


_COMPILED: dict[tuple[str, str, str], dict[str, tuple[str, tuple[str, ...] | None]]] = {}
_COMPILING = threading.Lock()


def compiled_for(dialect: Dialect) -> dict[str, tuple[str, tuple[str, ...] | None]]:
    """Every statement as this dialect's SQL text, compiled on first use and cached:
    (text, the parameter names in order for a positional driver, else None)."""
    key = (dialect.name, dialect.driver, dialect.paramstyle)
    found = _COMPILED.get(key)
    if found is not None:
        return found
    with _COMPILING:
        if key not in _COMPILED:
            if dialect.name == "sqlite":  # sqlite3 takes :named parameters whatever it says
                _COMPILED[key] = {name: (sql, None) for name, sql in SQL.items()}
            elif key == ("postgresql", "psycopg", "pyformat"):  # generated like SQLite's
                from studyapp.store.compiled_postgresql import SQL as POSTGRESQL_SQL

                _COMPILED[key] = {name: (sql, None) for name, sql in POSTGRESQL_SQL.items()}
            else:
                from studyapp.store.statements import compile_for_driver

                _COMPILED[key] = compile_for_driver(dialect)
        return _COMPILED[key]


class CoreRunner(Runner):
    """The statements on a SQLAlchemy connection or session (its transaction is the caller's)."""

    def __init__(self, connection: Connection | Session) -> None:
        if not hasattr(connection, "exec_driver_sql"):
            connection = connection.connection()  # a Session: its connection, same transaction
        self.connection: Connection = connection  # type: ignore[assignment]
        self.statements = compiled_for(self.connection.dialect)

    def _execute(self, name: str, params: Params) -> Any:
        sql, order = self.statements[name]
        values: Any = dict(params or {})
        if order is not None:
            values = tuple(values[key] for key in order)
        return self.connection.exec_driver_sql(sql, values)

    def all(self, name: str, params: Params = None) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._execute(name, params)]

    def run(self, name: str, params: Params = None) -> int:
        return int(getattr(self._execute(name, params), "rowcount", 0))


class SqliteFile:
    """Transactions on a SQLite file, on a few plain connections kept for reuse.

    WAL mode lets readers run beside a writer: every read transaction sees what was
    committed before it began. A writing transaction starts with BEGIN IMMEDIATE, as the
    SQLAlchemy engine's do (store/db.py), so writers queue on the busy timeout instead of
    failing halfway. A connection serves one transaction at a time, from whichever thread
    asks (the UI's, or a worker's).
    """

    KEEP_IDLE = 4

    def __init__(
        self,
        path: Path,
        busy_timeout_ms: int,
        synchronous: str = "NORMAL",
        classify: Callable[[BaseException], StoreError | None] = lambda _error: None,
    ) -> None:
        self.path = path
        # Turns an operational error into the StoreError to raise (store.db.store_error,
        # passed down so that the runner needs nothing from db.py); None keeps the error.
        self.classify = classify
        self.timeout = busy_timeout_ms / 1000
        self.synchronous = synchronous  # NORMAL with WAL: a killed process loses nothing
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False  # then a connection in use when close() ran is closed on return
        # Closed at the latest when the process exits, even after an error that skipped
        # Database.close(): SQLite then folds the WAL back in and removes -wal and -shm.
        weakref.finalize(self, _close_all, self._idle, self._lock)

    def _take(self) -> sqlite3.Connection:
        with self._lock:
            self._closed = False  # used again after close(): pool again
            if self._idle:
                return self._idle.pop()
        connection = sqlite3.connect(
            self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
        )
        connection.execute(f"PRAGMA synchronous = {self.synchronous}")
        connection.execute("PRAGMA foreign_keys = ON")
        return connection

    def _give_back(self, connection: sqlite3.Connection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self.KEEP_IDLE:
                self._idle.append(connection)
                return
        connection.close()

    def reading(self) -> AbstractContextManager[Runner]:
        return self._transaction("BEGIN")

    def writing(self) -> AbstractContextManager[Runner]:
        return self._transaction("BEGIN IMMEDIATE")

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[Runner]:
        """One transaction; an operational error met in it (or at BEGIN or COMMIT) leaves
        as StoreError, the sqlite3 error as its cause."""
        try:
            with self._plain_transaction(begin) as runner:
                yield runner
        except sqlite3.DatabaseError as error:  # OperationalError is one
            converted = self.classify(error)
            if converted is None:
                raise
            raise converted from error

    @contextmanager
    def _plain_transaction(self, begin: str) -> Iterator[Runner]:
        connection = self._take()
        try:
            connection.execute(begin)
        except BaseException:
            connection.close()
            raise
        try:
            yield SqliteRunner(connection)
        except BaseException:
            connection.close()  # rolls back whatever the failed transaction did
            raise
        try:
            connection.execute("COMMIT")
        except BaseException:
            connection.close()
            raise
        self._give_back(connection)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        _close_all(self._idle, self._lock)


def _close_all(connections: list[sqlite3.Connection], lock: threading.Lock) -> None:
    with lock:
        closing = connections[:]
        connections.clear()
    for connection in closing:
        connection.close()
