"""Opening a studyapp database: checks first, then pragmas, then migrations.

A file that is not ours, is corrupt, or comes from a newer studyapp is refused with a
clear message before anything is written to it. SQLite gets WAL (readers never block the
writer), foreign keys and a busy timeout; a PostgreSQL URL works too.
The schema is created and upgraded by Alembic; when it is already current, Alembic is not
even imported, so start-up stays fast. A current SQLite file is checked with the standard
library alone, and SQLAlchemy's engine is only built when something first needs it: the
start-up reads go through store/runner.py.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studyapp.store.errors import StoreError
from studyapp.store.runner import CoreRunner, Runner, SqliteFile

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine
    from sqlalchemy.orm import Session, sessionmaker

    from studyapp.store.postgres_server import PostgresServer

MIGRATIONS = Path(__file__).parent / "migrations"
REVISIONS = (
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0008",
    "0009",
    "0010",
    "0011",
    "0012",
    "0013",
)
"""Every schema version this build knows, oldest first."""
HEAD = REVISIONS[-1]
OUR_TABLES = {"decks", "cards", "drill_topics", "reviews", "drill_attempts"}
BUSY_TIMEOUT_ENV = "STUDYAPP_BUSY_TIMEOUT_MS"
BUSY_TIMEOUT_MS = 5000
PING_AFTER_IDLE_S = 30.0
"""A PostgreSQL connection idle longer than this is pinged before use (and replaced if the
server dropped it); one in steady use is not: a ping before every transaction was one more
round trip in each grade."""
"""How long a writer waits for another process's write lock before giving up; the
environment variable STUDYAPP_BUSY_TIMEOUT_MS overrides it (tests, slow shared disks)."""
_override = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
if _override.isdigit():
    BUSY_TIMEOUT_MS = int(_override)


class DatabaseProblem(Exception):
    """A database studyapp must not touch; the message says why, in one line."""


class Database:
    """An open, current studyapp database: the engine and session factories.

    Read with `session()`, change anything with `write_session()` or `writer.begin()`;
    the named statements of store/statements.py run in `reading()` and `writing()`. On
    SQLite a writing transaction starts with BEGIN IMMEDIATE, taking the write lock up
    front: a second process then waits (busy timeout) instead of failing halfway, and a
    read-modify-write can never act on a stale snapshot. On PostgreSQL the hot path locks
    the row it changes (SELECT ... FOR UPDATE).

    The SQLAlchemy engine is built on first use, so a start that only reads need not
    import SQLAlchemy at all.
    """

    def __init__(
        self,
        url: str,
        *,
        path: Path | None = None,
        engine: Engine | None = None,
        backup: Path | None = None,
        postgres: PostgresServer | None = None,
    ) -> None:
        self.url = url
        self.path = path  # the SQLite file, if this is one
        self.backup = backup  # where the pre-upgrade copy went, if an upgrade ran
        self._engine = engine
        if engine is not None:
            _raise_store_errors(engine, url)
        self._engine_lock = threading.Lock()
        # Plain connections to the file, for the reads of start-up and the grade (store/runner.py)
        self.sqlite_file = (
            SqliteFile(path, BUSY_TIMEOUT_MS, classify=partial(store_error, url=url))
            if path is not None
            else None
        )
        # psycopg connections to a PostgreSQL server, for the same reads and grades
        self.postgres = postgres
        self._counted = path is not None
        if path is not None:
            _held_here(path, +1)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    engine = _make_engine(self.url, self.path)
                    _raise_store_errors(engine, self.url)
                    self._engine = engine
        return self._engine

    @cached_property
    def writer(self) -> Engine:
        return self.engine.execution_options(studyapp_write=True)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.engine, expire_on_commit=False)

    @cached_property
    def write_sessions(self) -> sessionmaker[Session]:
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.writer, expire_on_commit=False)

    def session(self) -> Session:
        """A session for reading."""
        return self.sessions()

    def write_session(self) -> Session:
        """A session whose transaction holds the write lock from its first statement."""
        return self.write_sessions()

    def reading(self) -> AbstractContextManager[Runner]:
        """One read transaction for the named statements (see store/runner.py)."""
        if self.sqlite_file is not None:
            return self.sqlite_file.reading()
        if self.postgres is not None:
            return self.postgres.reading()
        return self._through_sqlalchemy(self.engine)

    def writing(self) -> AbstractContextManager[Runner]:
        """One writing transaction for the named statements, holding the write lock from its start
        (BEGIN IMMEDIATE) like `writer`; committed when the block ends without an error.

        On a SQLite file this is a connection of its own: do not open it inside a write
        transaction of `writer` or `write_session()` in the same thread, which holds the
        lock it would wait for (nothing does: each grade is its own transaction)."""
        if self.sqlite_file is not None:
            return self.sqlite_file.writing()
        if self.postgres is not None:
            return self.postgres.writing()
        return self._through_sqlalchemy(self.writer)

    def alone(self) -> AbstractContextManager[Runner] | None:
        """On PostgreSQL through psycopg, a runner whose every statement commits on its own
        (one round trip each, no BEGIN or COMMIT): for a write that is one statement. None
        elsewhere (SQLite runs a transaction's statements in-process: nothing to save)."""
        return self.postgres.alone() if self.postgres is not None else None

    @staticmethod
    @contextmanager
    def _through_sqlalchemy(engine: Engine) -> Iterator[Runner]:
        with engine.begin() as connection:
            yield CoreRunner(connection)

    def warm_up(self) -> None:
        """Build the engine and open its first connection now rather than at first use."""
        with self.engine.connect():
            pass

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        if self.sqlite_file is not None:
            self.sqlite_file.close()
        if self.postgres is not None:
            self.postgres.close()
        if self._counted and self.path is not None:
            self._counted = False
            _held_here(self.path, -1)


def open_database(url: str, *, migrate: bool = True) -> Database:
    """Open (creating or upgrading as needed) the database at a SQLAlchemy URL."""
    is_sqlite, path = _sqlite_target(url)
    if is_sqlite:
        _refuse_sqlite_options(url)
    backup = None
    if path is not None:
        stored = _refuse_foreign_sqlite(path)
        if stored == HEAD:
            return Database(url, path=path)  # checked with sqlite3 alone: nothing to do
        path.parent.mkdir(parents=True, exist_ok=True)
        if stored is not None and migrate:
            backup = _backup(path, stored)  # before our pragmas touch even its header
    postgres = _postgres_server(url)
    if postgres is not None and _postgres_revision(postgres, url) == HEAD:
        return Database(url, postgres=postgres)  # checked with psycopg alone: nothing to do
    from sqlalchemy.exc import DBAPIError, OperationalError

    if not is_sqlite:
        _refuse_unsupported(url)
    engine = _make_engine(url, path)
    try:
        revision = _current_revision(engine)
        if revision is not None and revision not in REVISIONS:
            raise DatabaseProblem(
                f"{_describe(url)} was written by a newer studyapp (schema {revision}); "
                "upgrade studyapp to open it"
            )
        if revision is None and _has_foreign_tables(engine):
            raise DatabaseProblem(f"{_describe(url)} is not a studyapp database")
        if revision != HEAD:
            if not migrate:
                raise DatabaseProblem(f"{_describe(url)} needs a schema upgrade")
            if revision is not None and path is not None and backup is None:
                backup = _backup(path, revision)
            _upgrade(engine)
    except DatabaseProblem:
        engine.dispose()
        raise
    except (OperationalError, DBAPIError) as error:
        engine.dispose()
        raise DatabaseProblem(f"{_describe(url)} cannot be opened: {error.orig}") from error
    return Database(url, path=path, engine=engine, backup=backup, postgres=postgres)


def _postgres_server(url: str) -> PostgresServer | None:
    """psycopg's own connections for a `postgresql+psycopg://` URL (store/postgres_server.py),
    or None for any other database."""
    from studyapp.store.postgres_server import PostgresServer, conninfo_of

    conninfo = conninfo_of(url)
    if conninfo is None:
        return None
    return PostgresServer(
        conninfo,
        BUSY_TIMEOUT_MS,
        lambda: PING_AFTER_IDLE_S,
        classify=partial(store_error, url=url),
    )


def _postgres_revision(server: PostgresServer, url: str) -> str | None:
    """The schema revision stored on the server (None: no alembic_version table)."""
    import psycopg

    try:
        return server.stored_revision()
    except psycopg.OperationalError as error:
        server.close()
        reason = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise DatabaseProblem(f"{_describe(url)} cannot be opened: {reason}") from error


def _refuse_unsupported(url: str) -> None:
    """SQLite or PostgreSQL: the statements of store/statements.py are built for those two."""
    from sqlalchemy.engine import make_url

    backend = make_url(url).get_backend_name()
    if backend != "postgresql":
        raise DatabaseProblem(
            f"{_describe(url)}: studyapp keeps its data in SQLite or PostgreSQL, not {backend}"
        )


def _refuse_sqlite_options(url: str) -> None:
    """Refuse `?mode=ro` and the like rather than ignore them: the reads and grades of
    store/runner.py open the file themselves, read-write, and every session writes."""
    if "?" not in url:
        return
    from sqlalchemy.engine import make_url

    options = sorted(make_url(url).query)
    if options:
        raise DatabaseProblem(
            f"{_describe(url)}: studyapp takes no options in a SQLite URL "
            f"({', '.join(options)}); it opens the file read-write, so give sqlite:///PATH"
        )


def _make_engine(url: str, path: Path | None) -> Engine:
    from sqlalchemy import create_engine, event

    is_sqlite, _ = _sqlite_target(url)
    engine = create_engine(url, **_engine_options(is_sqlite, path))
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "connect", partial(_sqlite_variable_limit, engine.dialect))
        event.listen(engine, "begin", _sqlite_begin)
    else:
        event.listen(engine.pool, "checkin", _stamp_idle)
        event.listen(engine.pool, "checkout", partial(_ping_if_idle, engine.dialect))
    return engine


def _stamp_idle(_dbapi_connection: Any, record: Any) -> None:
    record.info["studyapp_idle_since"] = time.monotonic()


def _ping_if_idle(dialect: Any, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """SQLAlchemy's pool_pre_ping, for a connection idle past PING_AFTER_IDLE_S only: a
    dead one is reported as a disconnect, and the pool opens a fresh one instead."""
    since = record.info.get("studyapp_idle_since")
    if since is None or time.monotonic() - since <= PING_AFTER_IDLE_S:
        return
    from sqlalchemy.exc import DisconnectionError

    try:
        alive = dialect.do_ping(dbapi_connection)
    except dialect.loaded_dbapi.Error as error:
        raise DisconnectionError(str(error)) from error
    if not alive:
        raise DisconnectionError("the server did not answer a ping")


def _raise_store_errors(engine: Engine, url: str) -> None:
    """Every statement, begin and commit of an open database's engine (its sessions too)
    turns an operational error into StoreError. Not while opening: open_database reports
    those as DatabaseProblem."""
    from sqlalchemy import event

    event.listen(engine, "handle_error", partial(_handle_error, url))


def _handle_error(url: str, context: Any) -> None:
    converted = store_error(context.sqlalchemy_exception or context.original_exception, url)
    if converted is not None:
        raise converted from context.sqlalchemy_exception


def _sqlite_variable_limit(dialect: Any, dbapi_connection: Any, _record: Any) -> None:
    """Keep SQLAlchemy's multi-row INSERTs within this SQLite's limit on bound variables.

    SQLAlchemy assumes 32,700 from SQLite 3.32 on, but a build may allow fewer; a flush
    of thousands of new cards would then fail with "too many SQL variables"."""
    limit = dbapi_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    if limit < dialect.insertmanyvalues_max_parameters:
        dialect.insertmanyvalues_max_parameters = limit


def _engine_options(is_sqlite: bool, path: Path | None) -> dict[str, Any]:
    if not is_sqlite:  # no pool_pre_ping: see _ping_if_idle
        return {}
    options: dict[str, Any] = {"connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000}}
    if path is None:  # in-memory: one shared connection, or every session sees an empty db
        from sqlalchemy.pool import StaticPool

        options["poolclass"] = StaticPool
        options["connect_args"]["check_same_thread"] = False
    return options


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event open every transaction (see _sqlite_begin) instead
    # of the driver's habit of starting one only at the first write.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")  # with WAL: a killed process loses nothing
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get("studyapp_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _sqlite_target(url: str) -> tuple[bool, Path | None]:
    """(is it SQLite, its file or None for an in-memory database).

    The common `sqlite:///path` form is read here without importing SQLAlchemy; anything
    else (query strings, escapes, other databases) goes through SQLAlchemy's own parser.
    """
    scheme, separator, rest = url.partition("://")
    if separator and scheme in ("sqlite", "sqlite+pysqlite") and not set(rest) & set("?%"):
        database = rest[1:] if rest.startswith("/") else rest
        if not database or database == ":memory:":
            return True, None
        if not database.startswith("file:"):
            return True, Path(database)
    if url.startswith("postgresql+psycopg://"):  # read without importing SQLAlchemy too
        return False, None
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return False, None
    return True, _sqlite_path(url)


def _sqlite_path(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database)


def _refuse_foreign_sqlite(path: Path) -> str | None:
    """Look at an existing file read-only, so a file that is not ours stays untouched.

    Returns the schema revision stored in it (None for a new or empty file).
    """
    try:
        path.stat()
    except FileNotFoundError:
        _refuse_uncreatable(path)
        return None
    except NotADirectoryError:
        raise DatabaseProblem(
            f"cannot create {path}: {_existing_folder(path)} is a file, not a folder"
        ) from None
    except OSError as error:  # a symlink loop, a name too long, a disk error
        raise DatabaseProblem(f"{path} cannot be opened: {_os_reason(error)}") from None
    if path.is_dir():
        raise DatabaseProblem(f"{path} is a folder, not a database file")
    if path.stat().st_size == 0:
        return None
    with path.open("rb") as handle:
        header = handle.read(100)
    if header[:16] != b"SQLite format 3\x00":
        raise DatabaseProblem(f"{path} is not a SQLite database (it may be corrupt)")
    # A full integrity check reads every page (seconds on a large collection); a file
    # shorter than the size its header records is the cheap, common sign of a truncated
    # copy. (The header size is valid when its change counter matches offset 92.)
    if len(header) < 100:
        raise DatabaseProblem(f"{path} is truncated (shorter than a SQLite header)")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if header[24:28] == header[92:96] and path.stat().st_size < pages * page_size:
        raise DatabaseProblem(f"{path} is truncated or corrupt (shorter than its header says)")
    # With no -wal beside it the file is all there is: read it as immutable, so that not
    # even the -shm and -wal files a read-only connection would create are left behind.
    wal = path.with_name(path.name + "-wal")
    _refuse_foreign_wal(path, wal)
    mode = "mode=ro" if wal.exists() else "immutable=1"
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)
        try:
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            version = (
                connection.execute("SELECT version_num FROM alembic_version").fetchone()
                if "alembic_version" in tables
                else None
            )
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise DatabaseProblem(f"{path} cannot be read (is it corrupt?): {error}") from error
    if version is None and tables - {"alembic_version"}:
        raise DatabaseProblem(f"{path} is not a studyapp database")
    if version is not None and version[0] not in REVISIONS:
        raise DatabaseProblem(
            f"{path} was written by a newer studyapp (schema {version[0]}); "
            "upgrade studyapp to open it"
        )
    # Every session writes (grades, deck sync), and WAL mode needs its -wal and -shm
    # files beside the database: refuse up front rather than fail halfway through.
    if not os.access(path, os.R_OK | os.W_OK):
        raise DatabaseProblem(f"{path} is read-only; studyapp needs to write to it")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise DatabaseProblem(
            f"{path} is in a read-only folder; studyapp needs to create files beside it"
        )
    return None if version is None else str(version[0])


WAL_HEADER_BYTES = 32


def _refuse_foreign_wal(path: Path, wal: Path) -> None:
    """A -wal with changes in it is replayed into the file by the first connection that
    writes; refuse before that if the two together are damaged, e.g. an older copy of the
    database restored while the current -wal stayed beside it.

    SQLite records nothing that ties a -wal to its file, so this reads every page (1.3 s
    for 100,000 cards and a million reviews), but only when a -wal with changes was left
    over by a crash or by a copy: a clean close removes it, and the -wal of a studyapp
    running now (seen by its lock) is not checked.
    """
    try:
        if wal.stat().st_size <= WAL_HEADER_BYTES:
            return
    except OSError:
        return  # no -wal (the usual case), or none that SQLite could read either
    if _in_use(path):
        return  # the -wal of a studyapp running now (this process or another): not stale
    uri = path.resolve().as_uri()
    together = _integrity_problem(f"{uri}?mode=ro")  # read-only: nothing is replayed
    if together is None:
        return
    if _integrity_problem(f"{uri}?immutable=1") is None:  # the file alone, without its -wal
        raise DatabaseProblem(
            f"{path} cannot be opened: the file beside it, {wal.name}, does not belong to it "
            f"(together they are corrupt: {together}); move it away and open again"
        )
    raise DatabaseProblem(f"{path} is corrupt ({together}); restore it from a backup")


_OPEN_HERE: dict[str, int] = {}
"""SQLite files this process has open (Database objects not yet closed), by real path."""
_OPEN_HERE_LOCK = threading.Lock()
_SHM_DMS_BYTE = 128
"""The -shm byte every SQLite connection (unix VFS) holds a shared lock on while it has the
database open in WAL mode ("dead man switch"); SQLite's own test of whether it is alone."""


def _held_here(path: Path, change: int) -> None:
    key = os.path.realpath(path)
    with _OPEN_HERE_LOCK:
        count = _OPEN_HERE.get(key, 0) + change
        if count > 0:
            _OPEN_HERE[key] = count
        else:
            _OPEN_HERE.pop(key, None)


def _in_use(path: Path) -> bool:
    """True when a connection, in this process or another, has the database open now, so
    that its -wal is live rather than left over: checking it would read every page (1.3 s
    at 100,000 cards) each time a second studyapp starts beside a running one.

    Another process is seen by its lock on the -shm file (Linux's struct flock layout; other
    systems fall back to checking). Our own process is known from `_OPEN_HERE` instead, and
    only when it has no connection is the -shm probed: closing any descriptor of a file
    drops every POSIX lock this process holds on it, SQLite's included.
    """
    with _OPEN_HERE_LOCK:
        if os.path.realpath(path) in _OPEN_HERE:
            return True
    if not sys.platform.startswith("linux"):
        return False
    import fcntl
    import struct

    layout = "hhqqi4x"  # l_type, l_whence, l_start, l_len, l_pid (+ padding): 32 bytes
    try:
        descriptor = os.open(path.with_name(path.name + "-shm"), os.O_RDONLY)
    except OSError:
        return False  # no -shm: nobody has it open
    try:
        probe = struct.pack(layout, fcntl.F_WRLCK, os.SEEK_SET, _SHM_DMS_BYTE, 1, 0)
        held = struct.unpack(layout, fcntl.fcntl(descriptor, fcntl.F_GETLK, probe))[0]
    except OSError:
        return False
    finally:
        os.close(descriptor)
    return bool(held != fcntl.F_UNLCK)


def _integrity_problem(uri: str) -> str | None:
    """SQLite's first complaint about the database at `uri`, or None when it is sound.

    Only damage counts: a lock held elsewhere or an I/O error (OperationalError) says
    nothing about the pages, and opening goes on to meet and report it.
    """
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            row = connection.execute("PRAGMA integrity_check(1)").fetchone()
        finally:
            connection.close()
    except sqlite3.OperationalError:
        return None
    except sqlite3.DatabaseError as error:  # "malformed", "not a database"
        return str(error)
    result = str(row[0]) if row else "no answer"
    return None if result == "ok" else " ".join(result.replace("***", "").split())


def _refuse_uncreatable(path: Path) -> None:
    """A new file: its folder must let us create it (and the folders on the way to it)."""
    folder = _existing_folder(path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseProblem(f"cannot create {path}: the folder {folder} is read-only")
    longest = os.pathconf(folder, "PC_NAME_MAX")
    new = path.relative_to(folder).parts
    if any(len(os.fsencode(name)) > longest for name in new):
        raise DatabaseProblem(f"cannot create {path}: file name too long")


def _os_reason(error: OSError) -> str:
    reason = error.strerror or str(error)
    return reason[:1].lower() + reason[1:]


def _existing_folder(path: Path) -> Path:
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def store_error(error: BaseException, url: str) -> StoreError | None:
    """The StoreError for a database's operational error (locked, busy, corrupt, read-only,
    full, I/O), met at one of the store's transaction boundaries; None for anything else
    (a mistake in a statement, a constraint refused), which keeps its own type."""
    if isinstance(error, StoreError):
        return None
    if _psycopg_operational(error):
        message = explain(error, url)
        return None if message is None else StoreError(message)
    if not (isinstance(error, sqlite3.OperationalError) or type(error) is sqlite3.DatabaseError):
        if "sqlalchemy" not in sys.modules:
            return None
        from sqlalchemy.exc import DatabaseError, OperationalError

        if not isinstance(error, OperationalError) and not (
            type(error) is DatabaseError and type(error.orig) is sqlite3.DatabaseError
        ):
            return None
    message = explain(error, url)
    return None if message is None else StoreError(message)


def explain(error: BaseException, url: str) -> str | None:
    """One line for a learner about a database error met after opening, else None.

    Opening checks only what is cheap; damage deep inside a file, another process holding
    the write lock past the busy timeout, a full disk or one that turned read-only show up
    later. The CLI and the app's `saving` both classify here, so they say the same thing.
    A StoreError was classified here already: its message is the line.
    """
    if isinstance(error, StoreError):
        return str(error)
    if isinstance(error, sqlite3.OperationalError) or type(error) is sqlite3.DatabaseError:
        # met by the sqlite3 path of store/runner.py (locked, busy, corrupt, read-only); other
        # sqlite3 errors are mistakes in our own SQL and keep their traceback
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    elif _psycopg_operational(error):  # met by store/postgres_server.py
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    else:
        if "sqlalchemy" not in sys.modules:
            return None  # not a database error: nothing has loaded SQLAlchemy
        from sqlalchemy.exc import DBAPIError

        if not isinstance(error, DBAPIError):
            return None
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    where = _describe(url)
    lowered = reason.lower()
    if "locked" in lowered or "busy" in lowered:
        return (
            f"{where} is busy: another studyapp is writing to it (waited "
            f"{BUSY_TIMEOUT_MS / 1000:g} s); try again when it has finished"
        )
    if "malformed" in lowered or "not a database" in lowered or "corrupt" in lowered:
        return f"{where} is corrupt ({reason}); restore it from a backup"
    if "readonly" in lowered or "read-only" in lowered:
        return f"{where} is read-only; studyapp needs to write to it"
    if "is full" in lowered:  # SQLITE_FULL: "database or disk is full"
        return f"{where}: the disk is full; free some space and try again"
    if "i/o error" in lowered:  # SQLITE_IOERR: the disk or the network share failed
        return f"{where}: could not read or write the file (disk I/O error); check the disk"
    return f"{where}: database error: {reason}"


def _psycopg_operational(error: BaseException) -> bool:
    """A psycopg OperationalError (lost connection, server gone, lock timeout...)."""
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(error, psycopg.OperationalError)


def _current_revision(engine: Engine) -> str | None:
    from sqlalchemy import inspect, text

    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
        return None if row is None else str(row[0])


def _has_foreign_tables(engine: Engine) -> bool:
    from sqlalchemy import inspect

    with engine.connect() as connection:
        names = set(inspect(connection).get_table_names())
    return bool(names - {"alembic_version"})


def _backup(path: Path, revision: str) -> Path:
    """Copy the database (and its WAL) aside before an upgrade touches it: byte for byte
    when the file is all there is, else through SQLite's backup API."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.backup-{revision}-{stamp}{path.suffix}")
    if not path.with_name(path.name + "-wal").exists():
        shutil.copy2(path, target)
        return target
    source = sqlite3.connect(path)
    try:
        destination = sqlite3.connect(target)
        with destination:
            source.backup(destination)
        destination.close()
    finally:
        source.close()
    shutil.copymode(path, target)
    return target


def _upgrade(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _describe(url: str) -> str:
    _, path = _sqlite_target(url)
    if path is not None:
        return str(path)
    if url.startswith("postgresql+psycopg://"):  # without importing SQLAlchemy
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        if parts.password is not None:  # as SQLAlchemy renders it: the password hidden
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
            return parts._replace(netloc=netloc).geturl()
        return url
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
