"""The snapshot backup (issue 16): `studyapp export --format snapshot` is the collection's
file whole, compressed; `studyapp import` of it gives back exactly that collection, or
nothing: a damaged, cut-short, foreign or newer file changes nothing and says why in one
line."""

# The CLI fixture `cli_env` is test_interop's, imported: pytest finds it by its name.
# ruff: noqa: F811

from __future__ import annotations

import shutil
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import pytest
import zstandard

from studyapp.config import Settings
from studyapp.review.cards import ReviewSession
from studyapp.store import open_database
from studyapp.store.db import HEAD
from studyapp.transfer import snapshot as snapshots
from studyapp.transfer.backup import export_json
from tests.test_interop import build_history, cli_env, digest, run  # noqa: F401

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(params=["the file held still", "a copy"])
def snapshot(
    cli_env: Path, tmp_path: Path, clock, request: pytest.FixtureRequest, monkeypatch
) -> Path:
    """A snapshot of a collection with history, taken while the collection is open and
    its last grade still in SQLite's write-ahead log: from the file itself, and (as when
    the log cannot be emptied first) from a copy SQLite's backup takes."""
    if request.param == "a copy":

        @contextmanager
        def never_still(_db):
            yield None

        monkeypatch.setattr(snapshots, "file_held_still", never_still)
    db = open_database(f"sqlite:///{cli_env}")
    settings = Settings(clock=clock)
    build_history(db, settings)
    session = ReviewSession(db, settings)
    assert session.current is not None
    session.grade(4, duration_ms=900)
    assert Path(f"{cli_env}-wal").stat().st_size > 0
    path = tmp_path / "all.studyapp"
    code, out = run("export", "--format", "snapshot", "-o", str(path))
    db.close()
    assert code == 0, out
    assert path.read_bytes()[:4] == b"\x28\xb5\x2f\xfd"
    return path


def _json(path: Path) -> dict:
    db = open_database(f"sqlite:///{path}")
    try:
        return export_json(db)
    finally:
        db.close()


def test_a_snapshot_restores_the_collection_exactly(cli_env, snapshot, tmp_path) -> None:
    other = tmp_path / "other.db"
    code, out = run("--db", str(other), "import", str(snapshot))
    assert code == 0, out
    restored = _json(other)
    assert restored == _json(cli_env)
    assert f"{len(restored['reviews'])} review(s)" in out and "from " in out


def test_a_snapshot_is_known_by_its_content_whatever_its_name(snapshot, tmp_path) -> None:
    renamed = tmp_path / "backup.bin"
    shutil.copy(snapshot, renamed)
    code, out = run("--db", str(tmp_path / "other.db"), "import", str(renamed))
    assert code == 0 and out.startswith("restored "), out


def test_a_collection_with_study_data_is_replaced_only_when_asked(cli_env, snapshot) -> None:
    before = digest(cli_env)
    code, out = run("import", str(snapshot))
    assert code == 1 and "pass --replace" in out and out.count("\n") == 1, out
    assert digest(cli_env) == before
    code, out = run("import", "--replace", str(snapshot))
    assert code == 0, out


def test_the_app_open_elsewhere_reads_the_restored_collection(snapshot, tmp_path) -> None:
    other = tmp_path / "other.db"
    open_elsewhere = open_database(f"sqlite:///{other}")
    try:
        assert export_json(open_elsewhere)["reviews"] == []
        assert run("--db", str(other), "import", str(snapshot))[0] == 0
        assert len(export_json(open_elsewhere)["reviews"]) > 0
    finally:
        open_elsewhere.close()


def _refused(cli_env: Path, path: Path) -> str:
    before = digest(cli_env)
    code, out = run("import", "--replace", str(path))
    assert code == 1 and out.count("\n") == 1 and out.startswith(f"Error: {path}: "), out
    assert digest(cli_env) == before
    assert not list(cli_env.parent.glob(".studyapp-snapshot-*"))  # no copy left behind
    return out


def test_a_damaged_snapshot_changes_nothing(cli_env, snapshot) -> None:
    data = bytearray(snapshot.read_bytes())
    data[len(data) // 2] ^= 0xFF
    snapshot.write_bytes(bytes(data))
    assert "the file is damaged" in _refused(cli_env, snapshot)


def test_a_snapshot_cut_short_changes_nothing(cli_env, snapshot) -> None:
    snapshot.write_bytes(snapshot.read_bytes()[: snapshot.stat().st_size // 2])
    out = _refused(cli_env, snapshot)
    assert "cut short" in out or "damaged" in out, out


def test_a_compressed_file_that_is_no_database_is_refused(cli_env, snapshot) -> None:
    snapshot.write_bytes(zstandard.ZstdCompressor().compress(b"not a database" * 100))
    assert "does not hold a sound SQLite database" in _refused(cli_env, snapshot)


def test_another_programs_database_is_refused(cli_env, snapshot, tmp_path) -> None:
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    connection.close()
    snapshot.write_bytes(zstandard.ZstdCompressor().compress(foreign.read_bytes()))
    assert "is not a studyapp database" in _refused(cli_env, snapshot)


def test_an_older_studyapps_snapshot_is_upgraded_as_it_comes_in(cli_env, snapshot, tmp_path):
    older = FIXTURES / "schema-0011.db"
    snapshot.write_bytes(zstandard.ZstdCompressor().compress(older.read_bytes()))
    other = tmp_path / "other.db"
    code, out = run("--db", str(other), "import", str(snapshot))
    assert code == 0, out
    with sqlite3.connect(other) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (HEAD,)
    connection.close()


def test_a_snapshot_needs_a_file_to_write(cli_env) -> None:
    code, out = run("export", "--format", "snapshot")
    assert code == 2 and "--format snapshot needs -o" in out


def test_a_newer_studyapps_snapshot_is_refused(cli_env, snapshot, tmp_path) -> None:
    newer = tmp_path / "newer.db"
    shutil.copy(FIXTURES / "schema-0011.db", newer)
    with sqlite3.connect(newer) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.close()
    snapshot.write_bytes(zstandard.ZstdCompressor().compress(newer.read_bytes()))
    assert "written by a newer studyapp (schema 9999)" in _refused(cli_env, snapshot)


def test_the_file_is_read_only_when_nothing_can_write_to_it(tmp_path: Path, clock) -> None:
    """While the file is held still a commit waits in the log; a log another reader keeps
    from being emptied means a copy instead."""
    from studyapp.store.snapshot import file_held_still

    path = tmp_path / "held.db"
    db = open_database(f"sqlite:///{path}")
    build_history(db, Settings(clock=clock))
    with file_held_still(db) as held:
        assert held == path
        before = path.read_bytes()
        ReviewSession(db, Settings(clock=clock)).grade(5)  # a commit meanwhile
        assert path.read_bytes() == before
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM reviews").fetchone()
    ReviewSession(db, Settings(clock=clock)).grade(5)  # in the log, which the reader holds
    with file_held_still(db) as held:
        assert held is None
    reader.close()
    db.close()


def test_a_snapshot_restored_as_a_new_file_is_the_collection_itself(snapshot, tmp_path) -> None:
    """No empty collection is built first: the checked copy becomes the file, so it holds
    the snapshot's pages exactly."""
    import zstandard as zstd

    other = tmp_path / "fresh" / "new.db"
    other.parent.mkdir()
    code, out = run("--db", str(other), "import", str(snapshot))
    assert code == 0, out
    unpacked = zstd.ZstdDecompressor().decompress(snapshot.read_bytes())
    assert other.read_bytes() == unpacked
    assert not [p for p in other.parent.iterdir() if p.name != "new.db"]  # nothing left beside


def test_a_damaged_snapshot_makes_no_new_file(snapshot, tmp_path) -> None:
    data = bytearray(snapshot.read_bytes())
    data[len(data) // 2] ^= 0xFF
    snapshot.write_bytes(bytes(data))
    other = tmp_path / "fresh" / "new.db"
    other.parent.mkdir()
    code, out = run("--db", str(other), "import", str(snapshot))
    assert code == 1 and "the file is damaged" in out, out
    assert list(other.parent.iterdir()) == []


def test_a_snapshot_larger_than_the_disk_is_refused_before_unpacking(
    cli_env, snapshot, monkeypatch
) -> None:
    import shutil as shutil_module
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil_module, "disk_usage", lambda _path: usage(10**6, 10**6, 1000))
    assert "the disk has 0 MiB free" in _refused(cli_env, snapshot)


def test_a_frame_without_its_size_is_refused(cli_env, snapshot) -> None:
    unsized = zstandard.ZstdCompressor(write_content_size=False)
    snapshot.write_bytes(unsized.compress(b"SQLite format 3\x00" + bytes(4096)))
    assert "its size is not recorded" in _refused(cli_env, snapshot)
