"""Damaged, foreign, newer and read-only databases: `studyapp --db FILE stats` says what is
wrong in one line, exits non-zero, and leaves the file exactly as it was (same bytes, no
-wal or -shm left beside it). An upgrade copies the database aside first and says where."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from studyapp.cli import main
from studyapp.collection import Collection
from studyapp.config import FixedClock, Settings
from studyapp.review.cards import ReviewSession
from studyapp.store import open_database
from tests.helpers import add_cards

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent
NOBODY = 65534  # uid/gid the read-only cases run under when the tests run as root


@pytest.fixture(autouse=True)
def no_bundled_decks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "content"
    empty.mkdir()
    monkeypatch.setenv("STUDYAPP_CONTENT", str(empty))


@pytest.fixture(scope="module")
def studied_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid studyapp database with cards, a review log and daily totals."""
    path = tmp_path_factory.mktemp("studied") / "study.db"
    db = open_database(f"sqlite:///{path}")
    add_cards(db, 400)
    with db.writer.begin() as connection:  # an imported deck: no bundled file to sync it with
        connection.exec_driver_sql("UPDATE decks SET origin = 'import'")
    # As after any earlier start: the drill topics are scheduled, so that opening it again
    # finds nothing to sync and only reads.
    Collection(db, Settings()).sync_topics()
    clock = FixedClock(datetime(2026, 3, 10, 12, tzinfo=timezone(timedelta(hours=1))))
    settings = Settings(new_per_day=150, clock=clock)
    for _ in range(3):
        session = ReviewSession(db, settings)
        for i in range(150):
            if session.current is None:
                break
            session.grade([5, 4, 3, 2][i % 4], duration_ms=1000 + i)
        clock.advance(days=1)
    db.close()
    assert not Path(f"{path}-wal").exists()
    return path


@pytest.fixture
def studied(studied_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "study.db"
    shutil.copy(studied_template, path)
    return path


def snapshot(path: Path) -> tuple[bytes, list[str]]:
    return path.read_bytes(), sorted(p.name for p in path.parent.iterdir())


def run_stats(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", str(path), "stats"])
    return result.exit_code, result.output


def assert_refused(code: int, out: str, *words: str) -> None:
    lines = [line for line in out.splitlines() if line.strip()]
    assert code != 0, out
    assert len(lines) == 1, out
    assert "Traceback" not in out and lines[0].startswith("Error: "), out
    for word in words:
        assert word in lines[0], out


def root_page(path: Path, name: str) -> int:
    """Where the b-tree of a table or index starts in the file."""
    # immutable: a plain read-only connection to a WAL database would leave -wal and -shm
    connection = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        row = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)
        ).fetchone()
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    finally:
        connection.close()
    return int((row[0] - 1) * page_size)


def scribble(path: Path, offset: int, length: int, seed: int) -> None:
    """Overwrite `length` bytes at `offset` with random bytes (a bad sector, a bad copy)."""
    rng = random.Random(seed)
    data = bytearray(path.read_bytes())
    data[offset : offset + length] = bytes(rng.randrange(256) for _ in range(length))
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("name", ["ix_cards_due", "ix_cards_new_by_deck", "daily_totals", "decks"])
def test_random_bytes_where_stats_reads_are_reported_and_nothing_written(studied, name) -> None:
    """A page `stats` reads (a table or an index), overwritten with noise."""
    scribble(studied, root_page(studied, name), 4096, seed=len(name))
    before = snapshot(studied)
    code, out = run_stats(studied)
    assert_refused(code, out, str(studied), "corrupt")
    assert snapshot(studied) == before


@pytest.mark.parametrize("seed", range(3))
def test_random_bytes_in_the_middle_never_crash_or_write(studied, seed) -> None:
    """Damage where `stats` may never look (the review log) cannot be seen without reading
    every page; the promise there is no traceback and no write."""
    middle = studied.stat().st_size // 2
    scribble(studied, middle - 2048 + 1024 * seed, 4096, seed)
    before = snapshot(studied)
    code, out = run_stats(studied)
    assert "Traceback" not in out
    if code != 0:
        assert_refused(code, out, "corrupt")
    else:
        assert "streak" in out
    assert snapshot(studied) == before


@pytest.mark.parametrize("keep", [0.5, 0.9, 60 / 184320])
def test_a_truncated_database_is_refused_untouched(studied, keep) -> None:
    data = studied.read_bytes()
    studied.write_bytes(data[: max(1, int(len(data) * keep))])
    before = snapshot(studied)
    code, out = run_stats(studied)
    assert_refused(code, out, str(studied))
    assert "truncated" in out or "not a SQLite database" in out
    assert snapshot(studied) == before


def test_a_database_from_a_newer_studyapp_is_refused_untouched(studied) -> None:
    connection = sqlite3.connect(studied)
    connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.commit()
    connection.close()
    before = snapshot(studied)
    code, out = run_stats(studied)
    assert_refused(code, out, "newer studyapp", "9999")
    assert snapshot(studied) == before


@pytest.mark.parametrize(
    "make",
    [
        lambda p: p.write_bytes(b"name,score\nada,3\n" * 50),
        lambda p: p.write_bytes(bytes(random.Random(3).randrange(256) for _ in range(8192))),
        lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000),
        lambda p: _foreign_sqlite(p),
    ],
    ids=["csv", "noise", "bad-header", "other-sqlite"],
)
def test_a_file_that_is_not_a_studyapp_database_is_refused_untouched(
    tmp_path, make: Callable[[Path], None]
) -> None:
    path = tmp_path / "other.db"
    make(path)
    before = snapshot(path)
    code, out = run_stats(path)
    assert_refused(code, out, str(path))
    assert snapshot(path) == before


def _foreign_sqlite(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    connection.execute("INSERT INTO notes (body) VALUES ('mine')")
    connection.commit()
    connection.close()


# ------------------------------------------------------------------------------ odd paths


def _symlink_loop(tmp_path: Path) -> Path:
    (tmp_path / "loop-a").symlink_to(tmp_path / "loop-b")
    (tmp_path / "loop-b").symlink_to(tmp_path / "loop-a")
    return tmp_path / "loop-a"


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (_symlink_loop, ["symbolic links"]),
        (lambda t: _symlink_loop(t) / "study.db", ["symbolic links"]),
        (lambda t: t / ("x" * 300 + ".db"), ["name too long"]),
        (lambda t: t.joinpath(*["deep"] * 2100, "study.db"), ["name too long"]),
        (lambda t: t / "missing" / ("x" * 300 + ".db"), ["name too long"]),
        (lambda t: t / "folder.db", ["is a folder"]),
        (lambda t: t / "notes.txt" / "study.db", ["notes.txt is a file, not a folder"]),
        (lambda t: t / "notes.txt" / "sub" / "study.db", ["notes.txt is a file, not a folder"]),
        (lambda t: Path("~nobody-here-at-all/study.db"), ["nobody-here-at-all"]),
    ],
    ids=[
        "symlink-loop", "under-symlink-loop", "name-too-long", "path-too-long",
        "name-too-long-in-new-folder", "directory", "under-a-file", "deep-under-a-file",
        "unknown-home",
    ],
)  # fmt: skip
def test_an_odd_db_path_is_refused_in_one_line(tmp_path, make, words) -> None:
    (tmp_path / "folder.db").mkdir()
    (tmp_path / "notes.txt").write_text("mine")
    path = make(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out = run_stats(path)
    assert_refused(code, out, *words)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("options", ["mode=ro", "mode=ro&uri=true", "timeout=1"])
@pytest.mark.parametrize("command", [["stats"], ["config", "new_per_day", "5"]])
def test_options_in_a_sqlite_url_are_refused_not_ignored(studied, options, command) -> None:
    """`?mode=ro` used to be dropped with a warning and the file opened read-write: the
    store opens the file itself (store/runner.py), so no option could be honoured."""
    before = snapshot(studied)
    result = CliRunner().invoke(main, ["--db", f"sqlite:///{studied}?{options}", *command])
    assert_refused(result.exit_code, result.output, str(studied), options.split("=")[0])
    assert "read-write" in result.output
    assert snapshot(studied) == before


# ------------------------------------------------------------------------------ read-only


AS_LEARNER = ["setpriv", "--inh-caps=-all", "--bounding-set=-all"] if os.geteuid() == 0 else []
"""Root ignores permission bits; without its capabilities it meets them like a learner."""

needs_learner = pytest.mark.skipif(
    bool(AS_LEARNER) and shutil.which("setpriv") is None,
    reason="running as root without setpriv: permission bits cannot be tested",
)


def run_as_learner(path: Path, *args: str) -> tuple[int, str]:
    """`studyapp --db path ARGS` in a fresh process bound by file permissions."""
    result = subprocess.run(
        [*AS_LEARNER, sys.executable, "-m", "studyapp", "--db", str(path), *args],
        capture_output=True, text=True, cwd=REPO, timeout=60,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )  # fmt: skip
    return result.returncode, result.stdout + result.stderr


@needs_learner
def test_the_learner_really_cannot_write_a_read_only_file(tmp_path) -> None:
    """Guard for the tests below: the OS, not studyapp, refuses the write."""
    target = tmp_path / "probe"
    target.write_text("x")
    target.chmod(0o444)
    code = subprocess.run(
        [*AS_LEARNER, sys.executable, "-c", f"open({str(target)!r}, 'a').write('y')"],
        capture_output=True,
    ).returncode
    assert code != 0 and target.read_text() == "x"


@needs_learner
def test_a_read_only_file_is_refused_untouched(studied) -> None:
    studied.chmod(0o444)
    before = snapshot(studied)
    code, out = run_as_learner(studied, "stats")
    assert_refused(code, out, str(studied), "read-only")
    assert snapshot(studied) == before


@needs_learner
def test_a_database_in_a_read_only_folder_is_refused_untouched(studied, tmp_path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    path = folder / "study.db"
    shutil.move(studied, path)
    folder.chmod(0o555)
    try:
        before = snapshot(path)
        code, out = run_as_learner(path, "stats")
        assert_refused(code, out, str(path), "read-only folder")
        assert snapshot(path) == before
        code, out = run_as_learner(folder / "new.db", "stats")
        assert_refused(code, out, "read-only")
        assert not (folder / "new.db").exists()
    finally:
        folder.chmod(0o755)


# ------------------------------------------------------------------------------ upgrades


def test_an_upgrade_says_where_the_backup_went(tmp_path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema-0001.db", path)
    original = path.read_bytes()
    result = CliRunner().invoke(main, ["--db", str(path), "stats"])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("upgraded ")]
    assert len(notes) == 1 and "; backup at " in notes[0]
    backup = Path(notes[0].split("; backup at ", 1)[1])
    assert backup.parent == tmp_path and backup.name.startswith("old.backup-0001-")
    assert backup.read_bytes() == original  # a byte-for-byte copy of the old file
    again = CliRunner().invoke(main, ["--db", str(path), "stats"])
    assert again.exit_code == 0 and "upgraded" not in again.output


# ------------------------------------------------------------------------------ a stale -wal


def _grade_some(path: Path, count: int) -> None:
    """A later study session, closed cleanly: its grades are checkpointed into the file."""
    db = open_database(f"sqlite:///{path}")
    clock = FixedClock(datetime(2026, 3, 20, 12, tzinfo=timezone(timedelta(hours=1))))
    session = ReviewSession(db, Settings(new_per_day=50, clock=clock))
    for _ in range(count):
        session.grade(4, duration_ms=1000)
    db.close()
    assert not Path(f"{path}-wal").exists()


def _pending_wal(path: Path, changes: int, aside: Path) -> None:
    """Changes still in the -wal (as when a session is cut short): -wal and -shm are copied
    to `aside` before the connection closes and checkpoints them into the file."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_autocheckpoint = 0")
    ids = [row[0] for row in connection.execute("SELECT id FROM cards ORDER BY id")]
    for i in range(changes):
        connection.execute(
            "UPDATE cards SET interval = interval + 1, due = '2026-05-01' WHERE id = ?",
            (ids[(i * 7) % len(ids)],),
        )
        connection.commit()
    aside.mkdir()
    for suffix in ("-wal", "-shm"):
        shutil.copy(f"{path}{suffix}", aside / f"{path.name}{suffix}")
    connection.close()


@pytest.mark.parametrize("changes", [1, 300], ids=["index-rows-missing", "pages-unused"])
def test_a_restored_file_with_a_stale_wal_beside_it_is_refused_untouched(
    studied, tmp_path, changes
) -> None:
    """The learner copies an older studyapp.db back over the current one, but the current
    -wal stays: SQLite would replay its pages into a file they do not belong to. With one
    change the result even passes SQLite's quick check (only index entries are missing).
    (Had the -wal rewritten every page of the tables it touches, the mix would be consistent
    and no check of the file's structure could tell.)"""
    older = tmp_path / "older.db"
    shutil.copy(studied, older)
    # Enough grades that the later file outgrows the restored copy (its -wal then names
    # pages the copy lacks); 20 no longer grow it with the page layout of migration 0009.
    _grade_some(studied, 50)
    _pending_wal(studied, changes, tmp_path / "left")
    shutil.copy(older, studied)  # the restore
    for left in (tmp_path / "left").iterdir():
        shutil.copy(left, studied.parent / left.name)
    wal = Path(f"{studied}-wal")
    wal_bytes = wal.read_bytes()
    before = snapshot(studied)
    code, out = run_stats(studied)
    assert_refused(code, out, str(studied), "study.db-wal", "does not belong", "move it away")
    assert snapshot(studied) == before
    assert wal.read_bytes() == wal_bytes


def test_without_a_wal_left_over_no_page_is_checked(studied, monkeypatch) -> None:
    """The check reads every page: an ordinary start (a clean close removed the -wal) and a
    -wal holding no changes must not pay for it."""

    def must_not_run(uri: str) -> None:
        raise AssertionError(f"integrity check of {uri}")

    monkeypatch.setattr("studyapp.store.db._integrity_problem", must_not_run)
    assert run_stats(studied)[0] == 0
    Path(f"{studied}-wal").write_bytes(b"")
    assert run_stats(studied)[0] == 0


def test_a_wal_left_by_a_cut_short_session_is_replayed(studied, tmp_path) -> None:
    """The -wal beside its own file (a crash, a power cut) holds the last grades: they count."""
    cut_short = tmp_path / "cut" / "study.db"
    cut_short.parent.mkdir()
    shutil.copy(studied, cut_short)
    _pending_wal(studied, 3, tmp_path / "left")  # studied: the same changes, checkpointed
    for left in (tmp_path / "left").iterdir():
        shutil.copy(left, cut_short.parent / left.name)
    code, out = run_stats(cut_short)
    assert code == 0, out
    assert (code, out) == run_stats(studied)
    assert snapshot(cut_short)[0] == snapshot(studied)[0]  # replayed into the file


def test_a_wal_that_cannot_be_read_now_is_not_called_foreign(studied, monkeypatch) -> None:
    """Another process holding the file locked makes the check fail with "locked": that
    says nothing about the -wal, so it must not be blamed."""
    monkeypatch.setattr("studyapp.store.db.BUSY_TIMEOUT_MS", 50)
    holder = sqlite3.connect(studied)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("UPDATE cards SET interval = interval + 1")
        holder.commit()
        assert Path(f"{studied}-wal").stat().st_size > 32
        code, out = run_stats(studied)
    finally:
        holder.close()
    assert code != 0 and "does not belong" not in out, out


def test_the_wal_of_a_studyapp_running_now_is_not_checked(studied, monkeypatch) -> None:
    """A second studyapp (the CLI beside the open app, in this process or another) meets
    the first one's live -wal: checking it would read every page at each start."""

    def must_not_run(uri: str) -> None:
        raise AssertionError(f"integrity check of {uri}")

    monkeypatch.setattr("studyapp.store.db._integrity_problem", must_not_run)
    script = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA wal_autocheckpoint = 0')\n"
        "c.execute('UPDATE cards SET interval = interval + 1')\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"
    )
    other = subprocess.Popen(
        [sys.executable, "-c", script, str(studied)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "ready"
        assert Path(f"{studied}-wal").stat().st_size > 32
        assert run_stats(studied)[0] == 0  # another process has it open
    finally:
        other.communicate("done\n", timeout=60)
    here = open_database(f"sqlite:///{studied}")
    try:
        session = ReviewSession(here, Settings(new_per_day=50))
        session.grade(4, duration_ms=1000)
        assert Path(f"{studied}-wal").stat().st_size > 32
        assert run_stats(studied)[0] == 0  # this process has it open
    finally:
        here.close()
