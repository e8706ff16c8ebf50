"""Plain SQL, run with or without SQLAlchemy.

Two paths are too hot for SQLAlchemy's own cost. Start-up must paint the home screen
soon after `studyapp` starts, and importing SQLAlchemy (with its ORM) takes about 0.3 s
of the 0.6 s budget; recording a grade must be done in well under a millisecond, and
SQLAlchemy's per-statement work is most of that. Their statements — the preferences,
whether the deck files changed, the home counts, the next card, the grade itself — are
therefore written once as SQL text with `:named` parameters and run by `PlainSql`:

- on a SQLite file, through the standard library's sqlite3, on a few pooled connections;
- anywhere else (in-memory SQLite, PostgreSQL), through SQLAlchemy's `text()`.

Values go in and come out in their stored form (store/types.py: days as ordinals, moments
as epoch milliseconds, easiness as hundredths). Three spellings differ between SQLite
and PostgreSQL; write them as placeholders:

- `{false}`: `0` on SQLite, where the partial indexes say `suspended = 0` and a query
  must say the same to use them; `false` on PostgreSQL;
- `{is}`: a NULL-safe equality, `IS` on SQLite, `IS NOT DISTINCT FROM` on PostgreSQL;
- `{for_update}`: ` FOR UPDATE` on PostgreSQL (lock the row read); nothing on SQLite,
  where a writing transaction holds the database's write lock from its start.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

Params = Mapping[str, Any] | None
_SPELLINGS = {
    "sqlite": {"{false}": "0", "{is}": "IS", "{for_update}": ""},
    "postgresql": {"{false}": "false", "{is}": "IS NOT DISTINCT FROM", "{for_update}": " FOR UPDATE"},
}


@lru_cache(maxsize=256)
def _render(dialect: str, sql: str) -> str:
    for placeholder, spelling in _SPELLINGS[dialect].items():
        sql = sql.replace(placeholder, spelling)
    return sql


class PlainSql:
    """Runs SQL text in one transaction: the caller's, or one from Database.reading() or
    Database.writing()."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect if dialect in _SPELLINGS else "postgresql"

    def render(self, sql: str) -> str:
        """The SQL with this database's spellings of the placeholders."""
        return _render(self.dialect, sql)

    def all(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def run(self, sql: str, params: Params = None) -> int:
        """Execute a statement that changes rows; returns how many it changed."""
        raise NotImplementedError

    def one(self, sql: str, params: Params = None) -> tuple[Any, ...] | None:
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Params = None) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]


class SqliteSql(PlainSql):
    """PlainSql on a sqlite3 connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        super().__init__("sqlite")
        self.connection = connection

    def all(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        return self.connection.execute(self.render(sql), dict(params or {})).fetchall()

    def run(self, sql: str, params: Params = None) -> int:
        return self.connection.execute(self.render(sql), dict(params or {})).rowcount


class SqlAlchemySql(PlainSql):
    """PlainSql on a SQLAlchemy connection or session (its transaction is the caller's)."""

    def __init__(self, connection: Connection | Session) -> None:
        bind = connection.get_bind() if hasattr(connection, "get_bind") else connection
        super().__init__(bind.dialect.name)
        self.connection = connection

    def all(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        from sqlalchemy import text

        result = self.connection.execute(text(self.render(sql)), dict(params or {}))
        return [tuple(row) for row in result]

    def run(self, sql: str, params: Params = None) -> int:
        from sqlalchemy import text

        result = self.connection.execute(text(self.render(sql)), dict(params or {}))
        return int(getattr(result, "rowcount", 0))


class SqliteFile:
    """Transactions on a SQLite file, on a few plain connections kept for reuse.

    WAL mode lets readers run beside a writer: every read transaction sees what was
    committed before it began. A writing transaction starts with BEGIN IMMEDIATE, as the
    SQLAlchemy engine's do (store/db.py), so writers queue on the busy timeout instead of
    failing halfway. A connection serves one transaction at a time, from whichever thread
    asks (the UI's, or a worker's).
    """

    KEEP_IDLE = 4

    def __init__(self, path: Path, busy_timeout_ms: int, synchronous: str = "NORMAL") -> None:
        self.path = path
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

    def reading(self) -> AbstractContextManager[PlainSql]:
        return self._transaction("BEGIN")

    def writing(self) -> AbstractContextManager[PlainSql]:
        return self._transaction("BEGIN IMMEDIATE")

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[PlainSql]:
        connection = self._take()
        try:
            connection.execute(begin)
        except BaseException:
            connection.close()
            raise
        try:
            yield SqliteSql(connection)
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
