"""Plain read-only SQL, run with or without SQLAlchemy.

The home screen must paint soon after `studyapp` starts, and importing SQLAlchemy (with
its ORM) costs about 0.3 s of the 0.6 s start-up budget. The few reads a start needs — the
preferences, whether the deck files changed, the home counts — are therefore written once
as SQL text with `:named` parameters, and run by a `Reader`:

- on a SQLite file, through the standard library's sqlite3 (no SQLAlchemy import);
- anywhere else (in-memory SQLite, PostgreSQL), through SQLAlchemy's `text()`.

Days are passed and returned as ordinals (their stored form, see store/types.py). Write
`{false}` for a false boolean literal: SQLite needs `0` to use the partial indexes, whose
WHERE clauses say `suspended = 0`; PostgreSQL needs `false`.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

Params = Mapping[str, Any] | None


class Reader:
    """Runs SQL text inside one read transaction (one consistent snapshot)."""

    def __init__(self, false_literal: str) -> None:
        self._false = false_literal
        self._rendered: dict[str, str] = {}

    def render(self, sql: str) -> str:
        """The SQL with this database's spelling of `{false}`."""
        rendered = self._rendered.get(sql)
        if rendered is None:
            rendered = self._rendered[sql] = sql.replace("{false}", self._false)
        return rendered

    def all(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def one(self, sql: str, params: Params = None) -> tuple[Any, ...] | None:
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Params = None) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]


class SqliteReader(Reader):
    """A Reader on a plain sqlite3 connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        super().__init__("0")
        self.connection = connection

    def all(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        return self.connection.execute(self.render(sql), dict(params or {})).fetchall()


class SqlAlchemyReader(Reader):
    """A Reader on a SQLAlchemy connection or session (its transaction is the caller's)."""

    def __init__(self, connection: Connection | Session) -> None:
        bind = connection.get_bind() if hasattr(connection, "get_bind") else connection
        super().__init__("0" if bind.dialect.name == "sqlite" else "false")
        self.connection = connection

    def all(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        from sqlalchemy import text

        result = self.connection.execute(text(self.render(sql)), dict(params or {}))
        return [tuple(row) for row in result]


class SqliteFileReads:
    """Read transactions on a SQLite file, on a few plain connections kept for reuse.

    WAL mode lets these readers run beside the app's SQLAlchemy writer: every read
    transaction sees what was committed before it began. A connection serves one read
    at a time, from whichever thread asks (the UI's, or a worker's).
    """

    KEEP_IDLE = 4

    def __init__(self, path: Path, busy_timeout_ms: int) -> None:
        self.path = path
        self.timeout = busy_timeout_ms / 1000
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        # Closed at the latest when the process exits, even after an error that skipped
        # Database.close(): SQLite then folds the WAL back in and removes -wal and -shm.
        weakref.finalize(self, _close_all, self._idle, self._lock)

    def _take(self) -> sqlite3.Connection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return sqlite3.connect(
            self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
        )

    def _give_back(self, connection: sqlite3.Connection) -> None:
        with self._lock:
            if len(self._idle) < self.KEEP_IDLE:
                self._idle.append(connection)
                return
        connection.close()

    @contextmanager
    def reading(self) -> Iterator[Reader]:
        connection = self._take()
        try:
            connection.execute("BEGIN")
            yield SqliteReader(connection)
            connection.execute("COMMIT")  # a read transaction: nothing to keep or undo
        except BaseException:
            connection.close()
            raise
        self._give_back(connection)

    def close(self) -> None:
        _close_all(self._idle, self._lock)


def _close_all(connections: list[sqlite3.Connection], lock: threading.Lock) -> None:
    with lock:
        closing = connections[:]
        connections.clear()
    for connection in closing:
        connection.close()
