"""The collection's SQLite file copied whole, out and in: what a snapshot backup holds
(transfer/snapshot.py compresses it).

Out, the file is read while a read transaction holds it still (or, when it cannot, SQLite's
backup API copies it): it holds every grade given before, and none given meanwhile. In,
SQLite's backup API replaces every page of the open collection in one write transaction,
all or nothing, while any other connection (the app open in another terminal) waits for it
and then reads the new pages; only a collection file that does not exist yet is made by
giving the checked copy its name. Nothing is written behind SQLite's back.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from studyapp.store.db import (
    BUSY_TIMEOUT_MS,
    Database,
    DatabaseProblem,
    _sqlite_target,
    open_database,
)

COUNTED = {
    "decks": "decks",
    "cards": "cards",
    "topics": "drill_topics",
    "reviews": "reviews",
    "drill_attempts": "drill_attempts",
}
"""What a restore reports it holds, by the name it reports and the table it counts."""


class SnapshotProblem(Exception):
    """A snapshot that cannot be taken or restored; the message says why, in one line."""


def sqlite_file(db: Database) -> Path:
    """The collection's file; a collection on a server has none to copy."""
    if db.path is None:
        raise SnapshotProblem(
            "a snapshot is a copy of a SQLite collection file; a collection on a PostgreSQL "
            "server is backed up with `studyapp export --format json`"
        )
    return db.path


@contextmanager
def file_held_still(db: Database) -> Iterator[Path | None]:
    """The collection's file itself, for as long as the block runs, when it holds the whole
    collection and nothing will write to it meanwhile; None when that cannot be had (then
    copy_out makes a copy to read instead).

    The write-ahead log is folded into the file and emptied first; a read transaction then
    begun on an empty log reads the file alone, and while it lasts SQLite copies no later
    commit into the file (they wait in the log). Reading the file is then as good as a
    copy, without writing one: at a million reviews, 130 MB less to write and read back."""
    path = sqlite_file(db)
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        connection.execute("BEGIN")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot
        log = path.with_name(path.name + "-wal")
        emptied = not busy and (not log.exists() or log.stat().st_size == 0)
        yield path if emptied else None
    finally:
        connection.close()


def copy_out(db: Database, target: Path) -> None:
    """A consistent copy of the collection at `target` (a new file)."""
    source = sqlite3.connect(sqlite_file(db), timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()


def checked_copy(path: Path) -> None:
    """Make the copy at `path` a sound collection of this version's schema, or say why
    not: every page's structure checked, a foreign or newer file refused, an older one
    upgraded (the copy alone: the collection is not touched until it is sound). SQLite's
    quick check, not its full one: the snapshot's checksum already vouches for every byte
    the export took through SQLite, and the full check's index-by-index comparison costs
    twice as long again at a million reviews."""
    try:
        connection = sqlite3.connect(path)
        try:
            found = connection.execute("PRAGMA quick_check(1)").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise SnapshotProblem(f"it does not hold a sound SQLite database ({error})") from None
    if found is None or found[0] != "ok":
        raise SnapshotProblem(f"its database is damaged ({found[0] if found else 'no answer'})")
    try:
        copy = open_database(f"sqlite:///{path}")
    except DatabaseProblem as problem:
        raise SnapshotProblem(str(problem).replace(str(path), "its database")) from None
    if copy.backup is not None:  # the copy's own pre-upgrade copy: not wanted here
        copy.backup.unlink(missing_ok=True)
    copy.close()
    with sqlite3.connect(path) as connection:  # one file again: the upgrade's WAL folded in
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


def copy_in(db: Database, source: Path) -> None:
    """Replace every page of the open collection with those of the sound copy at `source`."""
    target = sqlite_file(db)
    copy = sqlite3.connect(source)
    try:
        destination = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            copy.backup(destination)
        except sqlite3.OperationalError as error:  # e.g. another page size under WAL
            raise SnapshotProblem(f"the collection could not take its pages ({error})") from None
        finally:
            destination.close()
    finally:
        copy.close()


def new_file_for(url: str) -> Path | None:
    """The SQLite file `url` names when it does not exist yet (a restore can then put the
    checked copy in its place, with no empty collection built first); else None."""
    is_sqlite, path = _sqlite_target(url)
    if not is_sqlite or path is None or path.exists():
        return None
    if not os.access(path.parent, os.W_OK | os.X_OK):  # the copy must be made beside it
        return None
    return path


def put_in_place(source: Path, target: Path) -> bool:
    """Give the sound copy at `source` the name `target`, unless a file of that name has
    appeared meanwhile (then False, and nothing changes: the caller restores into it)."""
    try:
        target.hardlink_to(source)
    except FileExistsError:
        return False
    return True


def row_counts(path: Path) -> dict[str, int]:
    """How many rows of each kind the collection file at `path` holds (COUNTED)."""
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        return {
            name: int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for name, table in COUNTED.items()
        }
    finally:
        connection.close()
