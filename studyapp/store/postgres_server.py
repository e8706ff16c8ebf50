"""Transactions on a PostgreSQL server through psycopg alone, for the named statements.

The PostgreSQL twin of runner.SqliteFile: the statements compiled ahead of time
(store/compiled_postgresql.py) on a few pooled psycopg connections, so that a start on
PostgreSQL does not import SQLAlchemy (0.2 s of a 0.8 s start at 10,000 cards) and a
grade pays no per-statement SQLAlchemy work. SQLAlchemy's engine is still built, on first
use, for the ORM sessions and for migrations.

A connection idle longer than db.PING_AFTER_IDLE_S is pinged before use and replaced if
the server dropped it. Each connection waits at most its lock_timeout for a row another
transaction holds, as SQLite waits its busy timeout, so a mistake that nests two writing
transactions fails instead of hanging.
"""

from __future__ import annotations

import contextlib
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from studyapp.store.compiled_postgresql import SQL
from studyapp.store.errors import StoreError
from studyapp.store.runner import Params, Runner

if TYPE_CHECKING:
    import psycopg

DRIVER_SCHEME = "postgresql+psycopg://"


def conninfo_of(url: str) -> str | None:
    """libpq's URI for a SQLAlchemy `postgresql+psycopg://` URL (the same after the
    scheme), or None for any other URL, and for one with a query string, whose options
    may be SQLAlchemy's rather than libpq's (SQLAlchemy's engine then serves it all)."""
    if not url.startswith(DRIVER_SCHEME) or "?" in url:
        return None
    return "postgresql://" + url[len(DRIVER_SCHEME) :]


class PostgresRunner(Runner):
    """The statements' PostgreSQL text on a psycopg connection. With `prepare`, each is a
    prepared statement from its first use on the connection (one extra round trip, once),
    rather than after psycopg's default five unprepared runs (each parsed and planned)."""

    def __init__(self, connection: psycopg.Connection[Any], prepare: bool | None = None) -> None:
        self.connection = connection
        self.prepare = prepare

    def all(self, name: str, params: Params = None) -> list[tuple[Any, ...]]:
        with self.connection.cursor() as cursor:
            cursor.execute(SQL[name], dict(params or {}), prepare=self.prepare)
            return cursor.fetchall() if cursor.description is not None else []

    def run(self, name: str, params: Params = None) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(SQL[name], dict(params or {}), prepare=self.prepare)
            return cursor.rowcount


class PostgresServer:
    """Transactions on a PostgreSQL database, on a few psycopg connections kept for reuse."""

    KEEP_IDLE = 4

    def __init__(
        self,
        conninfo: str,
        lock_timeout_ms: int,
        ping_after_idle: Callable[[], float],
        classify: Callable[[BaseException], StoreError | None] = lambda _error: None,
    ) -> None:
        self.conninfo = conninfo
        self.lock_timeout_ms = lock_timeout_ms
        # "off" as SQLite's synchronous=NORMAL with WAL (runner.SqliteFile): a commit
        # returns before the server flushes its WAL to disk, so a killed studyapp loses
        # nothing, and only a crash of the server's machine can lose the last fraction of
        # a second of grades, never corrupting anything; "on" waits for the flush, as
        # SQLite's FULL (the benchmark's row beside Anki).
        self.synchronous_commit = "off"
        self.ping_after_idle = ping_after_idle  # read at each use (tests shorten it)
        self.classify = classify
        self._idle: list[tuple[psycopg.Connection[Any], float]] = []
        self._lock = threading.Lock()
        self._closed = False
        weakref.finalize(self, _close_all, self._idle, self._lock)

    def connect(self) -> psycopg.Connection[Any]:
        import psycopg

        options = f"-c lock_timeout={self.lock_timeout_ms}"
        return psycopg.connect(
            self.conninfo, options=f"{options} -c synchronous_commit={self.synchronous_commit}"
        )

    def _take(self) -> psycopg.Connection[Any]:
        with self._lock:
            self._closed = False
            found = self._idle.pop() if self._idle else None
        if found is not None:
            connection, since = found
            if time.monotonic() - since <= self.ping_after_idle() or _alive(connection):
                return connection
            connection.close()
        return self.connect()

    def _give_back(self, connection: psycopg.Connection[Any]) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self.KEEP_IDLE and not connection.closed:
                self._idle.append((connection, time.monotonic()))
                return
        connection.close()

    def stored_revision(self) -> str | None:
        """The schema revision Alembic stored (None: no alembic_version table), read on
        one of the pooled connections."""
        with self._plain_transaction() as runner:
            connection = runner.connection  # type: ignore[attr-defined]
            if not _has_alembic_table(connection):
                return None
            found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        return None if found is None else str(found[0])

    def reading(self) -> AbstractContextManager[Runner]:
        return self._transaction()

    def writing(self) -> AbstractContextManager[Runner]:
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Iterator[Runner]:
        """One transaction; an operational error met in it (or at COMMIT) leaves as
        StoreError, psycopg's error as its cause."""
        import psycopg

        try:
            with self._plain_transaction() as runner:
                yield runner
        except psycopg.OperationalError as error:
            converted = self.classify(error)
            if converted is None:
                raise
            raise converted from error

    @contextmanager
    def alone(self) -> Iterator[Runner]:
        """A runner whose every statement is a transaction of its own (autocommit): no
        BEGIN and no COMMIT round trip. For a write that is one statement (a grade's
        data-modifying CTEs), all or nothing as any statement is. Errors leave as in a
        transaction (StoreError when classified). Its statements are prepared at their
        first use on a connection: a grade's is a long statement, parsed and planned at
        each of psycopg's first five runs otherwise (a session's first grades)."""
        import psycopg

        connection = self._take()
        try:
            connection.autocommit = True  # idle between transactions: set without a round trip
            yield PostgresRunner(connection, prepare=True)
            connection.autocommit = False
        except psycopg.OperationalError as error:
            _discard(connection)
            converted = self.classify(error)
            if converted is None:
                raise
            raise converted from error
        except BaseException:
            _discard(connection)
            raise
        self._give_back(connection)

    @contextmanager
    def _plain_transaction(self) -> Iterator[Runner]:
        connection = self._take()
        try:
            yield PostgresRunner(connection)
            connection.commit()
        except BaseException:
            _discard(connection)
            raise
        self._give_back(connection)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        _close_all(self._idle, self._lock)


def _has_alembic_table(connection: psycopg.Connection[Any]) -> bool:
    found = connection.execute("SELECT to_regclass('alembic_version') IS NOT NULL").fetchone()
    return bool(found and found[0])


def _alive(connection: psycopg.Connection[Any]) -> bool:
    """A ping, as SQLAlchemy's pool_pre_ping does it."""
    import psycopg

    try:
        connection.execute("SELECT 1")
        connection.rollback()
    except psycopg.Error:
        return False
    return True


def _discard(connection: psycopg.Connection[Any]) -> None:
    """Close a connection whose transaction failed (the server rolls it back)."""
    with contextlib.suppress(Exception):  # already broken: nothing more to release
        connection.close()


def _close_all(
    connections: list[tuple[psycopg.Connection[Any], float]], lock: threading.Lock
) -> None:
    with lock:
        closing = connections[:]
        connections.clear()
    for connection, _ in closing:
        connection.close()
