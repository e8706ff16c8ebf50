"""The JSON backup's rows of the benchmark (issue 16): `studyapp export --format json` and
`studyapp import` of that file, each run as the real command in a fresh child process,
its wall time and peak resident memory (the child's own rusage); with --against-anki,
Anki's `.colpkg` export and import of the same collection beside them, measured the same
way.

The synthetic log of build.py starts every review from the same state, which a restore
rightly refuses (a review must start where the item's previous one left it). The backup
is measured on a copy whose log is chained (each review starts from the state the one
before it left; each card holds its last review's result), the same rows and sizes.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROWS: list[tuple[str, str, float | None, str]] = [
    ("backup_export", "JSON backup export (studyapp export)", 10, "s"),
    ("backup_export_rss", "  its peak resident memory", 300, "MiB"),
    ("backup_export_cpu", "  its CPU time (user + system)", None, "s"),
    ("backup_restore", "JSON backup restore (studyapp import)", 15, "s"),
    ("backup_restore_rss", "  its peak resident memory", 300, "MiB"),
    ("backup_restore_cpu", "  its CPU time (user + system)", None, "s"),
    ("floor_read", "  floor: the log's rows read by sqlite3, nothing else", None, "s"),
    ("floor_write", "  floor: the same rows written by sqlite3, no checks", None, "s"),
    ("snapshot_export", "snapshot backup (export --format snapshot)", 10, "s"),
    ("snapshot_export_rss", "  its peak resident memory", 300, "MiB"),
    ("snapshot_restore", "snapshot restore (studyapp import)", 15, "s"),
    ("snapshot_restore_rss", "  its peak resident memory", 300, "MiB"),
]
ANKI_ROWS = {
    "backup_export": "colpkg_export",
    "backup_export_rss": "colpkg_export_rss",
    "backup_restore": "colpkg_import",
    "backup_restore_rss": "colpkg_import_rss",
    "backup_export_cpu": "colpkg_export_cpu",
    "backup_restore_cpu": "colpkg_import_cpu",
    "floor_read": "colpkg_export",
    "floor_write": "colpkg_import",
    "snapshot_export": "colpkg_export",
    "snapshot_export_rss": "colpkg_export_rss",
    "snapshot_restore": "colpkg_import",
    "snapshot_restore_rss": "colpkg_import_rss",
}

CHAIN_REVIEWS = """
UPDATE reviews SET prev_easiness = p.e, prev_repetitions = p.r, prev_interval = p.i,
    prev_due = p.d, prev_lapses = p.l, prev_last_review = p.lr
FROM (SELECT id,
        lag(easiness) OVER w AS e, lag(repetitions) OVER w AS r, lag(interval) OVER w AS i,
        lag(due) OVER w AS d, lag(lapses) OVER w AS l, lag(day) OVER w AS lr
      FROM reviews WINDOW w AS (PARTITION BY kind, item_id ORDER BY id)) AS p
WHERE p.id = reviews.id AND p.e IS NOT NULL
"""
LAST_REVIEW_STATE = """
UPDATE cards SET easiness = l.easiness, repetitions = l.repetitions, interval = l.interval,
    due = l.due, lapses = l.lapses, last_review = l.day
FROM (SELECT r.item_id, r.easiness, r.repetitions, r.interval, r.due, r.lapses, r.day
      FROM reviews AS r JOIN (SELECT max(id) AS id FROM reviews WHERE kind = 'card'
                              GROUP BY item_id) AS last ON last.id = r.id) AS l
WHERE l.item_id = cards.id
"""


def chained_copy(db_path: Path, folder: Path) -> Path:
    """A copy of the benchmark database whose review log a restore accepts."""
    copy = folder / "backup-source.db"
    source = sqlite3.connect(db_path)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    with target:
        target.execute(CHAIN_REVIEWS)
        target.execute(LAST_REVIEW_STATE)
    target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    target.close()
    return copy


LAUNCHER = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime, file=sys.stderr)
sys.exit(code)
"""
"""Runs the command from a small process: Linux carries a process's peak resident memory
over fork and exec, so a command started straight from this (large) benchmark process
would report the benchmark's peak as its own."""


def run_child(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Run a command to its end: (wall seconds, its peak resident memory in MiB, its CPU
    seconds: user + system, a figure that a busy machine disturbs less than wall time)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *args], env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {done.stderr[-2000:]}")
    peak, cpu = done.stderr.split()[-2:]
    return elapsed, int(peak) / 1024, float(cpu)


def _medians(samples: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    return (
        statistics.median(s[0] for s in samples),
        statistics.median(s[1] for s in samples),
        statistics.median(s[2] for s in samples),
    )


def chain_on_server(url: str) -> None:
    """The same chaining, in place, on a PostgreSQL benchmark database (rebuilt every run):
    the statements are standard SQL both databases run."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(CHAIN_REVIEWS))
        connection.execute(text(LAST_REVIEW_STATE))
    engine.dispose()


def fresh_server_database(url: str) -> str:
    """The URL of an empty database beside `url`'s on the same server (dropped first if a
    run left one): where a restore goes."""
    from sqlalchemy import create_engine, make_url, text

    target = make_url(url)
    name = f"{target.database}_restored"
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return target.set(database=name).render_as_string(hide_password=False)


def measure_backup(db_path: Path | str, runs: int, folder: Path) -> dict[str, float]:
    """Median time and peak memory of `studyapp export --format json -o FILE` and of
    `studyapp import FILE` into a new database, over `runs` runs each. `db_path` is the
    SQLite file (a chained copy is measured) or a PostgreSQL URL (chained in place, and
    restored into a new database on the same server)."""
    if isinstance(db_path, Path):
        source: Path | str = chained_copy(db_path, folder)
    else:
        chain_on_server(db_path)
        source = db_path
    backup = folder / "backup.json"
    studyapp = [sys.executable, "-m", "studyapp"]
    env = dict(os.environ)
    env.pop("STUDYAPP_DB", None)
    exports, restores = [], []
    for _ in range(max(1, runs)):
        backup.unlink(missing_ok=True)
        exports.append(
            run_child([*studyapp, "--db", str(source), "export", "-o", str(backup)], env)
        )
    for index in range(max(1, runs)):
        if isinstance(source, Path):
            target = folder / f"restored-{index}.db"
            restores.append(run_child([*studyapp, "--db", str(target), "import", str(backup)], env))
            for leftover in folder.glob(target.name + "*"):
                leftover.unlink()
        else:
            server = fresh_server_database(source)
            restores.append(run_child([*studyapp, "--db", server, "import", str(backup)], env))
    figures: dict[str, float] = {}
    figures["backup_export"], figures["backup_export_rss"], figures["backup_export_cpu"] = _medians(
        exports
    )
    figures["backup_restore"], figures["backup_restore_rss"], figures["backup_restore_cpu"] = (
        _medians(restores)
    )
    figures["backup_bytes"] = backup.stat().st_size
    if isinstance(source, Path):
        figures |= measure_floor(source, folder)
        figures |= measure_snapshot(source, runs, folder, env)
        source.unlink()
    backup.unlink()
    return figures


FLOOR = """
import sqlite3, sys, time
reader = sqlite3.connect(sys.argv[1])
columns = [row[1] for row in reader.execute("PRAGMA table_info(reviews)")]
start = time.process_time()
cursor = reader.execute("SELECT * FROM reviews")
rows = []
while batch := cursor.fetchmany(20_000):
    rows.extend(batch)
read = time.process_time() - start
writer = sqlite3.connect(sys.argv[2])
writer.execute("PRAGMA journal_mode = WAL")
writer.execute("PRAGMA synchronous = NORMAL")
writer.execute(f"CREATE TABLE reviews ({', '.join(columns)})")
start = time.process_time()
with writer:
    writer.executemany(f"INSERT INTO reviews VALUES ({', '.join('?' * len(columns))})", rows)
print(read, time.process_time() - start)
"""


def measure_floor(source: Path, folder: Path) -> dict[str, float]:
    """What any backup that goes row by row through Python pays at least (CPU seconds, in
    a child process): the review log read with CPython's sqlite3, every column of every
    row and nothing done with them, then the same rows written into an empty table of
    the same columns (no index, no check, one transaction). Set beside Anki's `.colpkg`,
    which copies a file, it says why no such backup, JSON or other, can match it."""
    target = folder / "floor.db"
    done = subprocess.run(
        [sys.executable, "-c", FLOOR, str(source), str(target)],
        capture_output=True,
        text=True,
        check=True,
    )
    for leftover in folder.glob(target.name + "*"):
        leftover.unlink()
    read, written = (float(value) for value in done.stdout.split())
    return {"floor_read": read, "floor_write": written}


def measure_snapshot(
    source: Path, runs: int, folder: Path, env: dict[str, str]
) -> dict[str, float]:
    """`studyapp export --format snapshot` of the same collection, and `studyapp import` of
    it into a new database (SQLite only: a server's collection has no file to copy)."""
    snapshot = folder / "backup.studyapp"
    studyapp = [sys.executable, "-m", "studyapp"]
    exports, restores = [], []
    for _ in range(max(1, runs)):
        snapshot.unlink(missing_ok=True)
        args = ["--db", str(source), "export", "--format", "snapshot", "-o", str(snapshot)]
        exports.append(run_child([*studyapp, *args], env))
    for index in range(max(1, runs)):
        target = folder / f"snapshot-restored-{index}.db"
        restores.append(run_child([*studyapp, "--db", str(target), "import", str(snapshot)], env))
        for leftover in folder.glob(target.name + "*"):
            leftover.unlink()
    figures: dict[str, float] = {}
    figures["snapshot_export"], figures["snapshot_export_rss"], _ = _medians(exports)
    figures["snapshot_restore"], figures["snapshot_restore_rss"], _ = _medians(restores)
    figures["snapshot_bytes"] = snapshot.stat().st_size
    snapshot.unlink()
    return figures


ANKI_EXPORT = """
import sys
from anki.collection import Collection
col = Collection(sys.argv[1])
col.export_collection_package(out_path=sys.argv[2], include_media=False, legacy=False)
"""
ANKI_IMPORT = """
import sys
from anki._backend import RustBackend
RustBackend().import_collection_package(
    col_path=sys.argv[1], backup_path=sys.argv[2], media_folder=sys.argv[3],
    media_db=sys.argv[4],
)
"""


def measure_anki_backup(anki_path: Path, runs: int, folder: Path) -> dict[str, float]:
    """Anki's own full backup of the same collection: `.colpkg` export, then its import
    into a new collection (what Anki's File > Import of a .colpkg runs)."""
    work = folder / "colpkg"
    work.mkdir(exist_ok=True)
    package = work / "collection.colpkg"
    source = work / "source.anki2"
    shutil.copy(anki_path, source)
    exports, imports = [], []
    for _ in range(max(1, runs)):
        package.unlink(missing_ok=True)
        exports.append(run_child([sys.executable, "-c", ANKI_EXPORT, str(source), str(package)]))
    for index in range(max(1, runs)):
        target = work / f"imported-{index}"
        target.mkdir()
        args = [str(target / "collection.anki2"), str(package), str(target / "media")]
        imports.append(
            run_child([sys.executable, "-c", ANKI_IMPORT, *args, str(target / "media.db")])
        )
        shutil.rmtree(target)
    figures: dict[str, float] = {}
    figures["colpkg_export"], figures["colpkg_export_rss"], figures["colpkg_export_cpu"] = _medians(
        exports
    )
    figures["colpkg_import"], figures["colpkg_import_rss"], figures["colpkg_import_cpu"] = _medians(
        imports
    )
    shutil.rmtree(work)
    return figures
