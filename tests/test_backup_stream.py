"""The streamed JSON backup (issue 16): one JSON object laid out one record per line, read
back a line at a time, damage refused with its place, nothing written from a bad file."""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from studyapp import cli
from studyapp.cli import main
from studyapp.config import Settings
from studyapp.store import open_database
from studyapp.transfer import restore
from studyapp.transfer.backup import export_json
from tests.helpers import assert_totals_match_log
from tests.test_interop import DECK, build_history, digest


@pytest.fixture(params=["in this process", "read beside"])
def cli_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Path:
    """Every restore here runs both ways: read and checked in the writing process, and (as
    a large backup is) in a second process that sends the rows over."""
    if request.param == "read beside":
        monkeypatch.setattr(restore, "READ_BESIDE_FROM", 0)
    # The second process's start can take a loaded machine past the progress bar's delay:
    # these tests read the one line a command prints, not its bar (test_transfer_progress).
    monkeypatch.setattr(cli, "PROGRESS_AFTER_SECONDS", 600)
    content = tmp_path / "content"
    content.mkdir()
    (content / "tiny.toml").write_text(DECK)
    monkeypatch.setenv("STUDYAPP_CONTENT", str(content))
    monkeypatch.setenv("STUDYAPP_DB", str(tmp_path / "cli.db"))
    return tmp_path / "cli.db"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.fixture
def backup(cli_env: Path, tmp_path: Path, clock) -> Path:
    """A backup of a collection with history, written by `studyapp export`."""
    db = open_database(f"sqlite:///{cli_env}")
    build_history(db, Settings(clock=clock))
    db.close()
    path = tmp_path / "all.json"
    code, out = run("export", "--format", "json", "-o", str(path))
    assert code == 0, out
    return path


def _restore_fails(cli_env: Path, path: Path) -> str:
    """Import `path` over the collection: it must fail in one line and change nothing."""
    before = digest(cli_env)
    code, out = run("import", "--replace", str(path))
    assert code == 1 and out.count("\n") == 1 and out.startswith(f"Error: {path}: "), out
    assert digest(cli_env) == before
    return out


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _first_record(lines: list[bytes], key: str) -> int:
    return lines.index(f'"{key}":[\n'.encode()) + 1


def test_the_backup_is_one_json_object_with_a_record_per_line(backup: Path) -> None:
    document = json.loads(backup.read_text())
    assert document["format"] == "studyapp" and document["version"] == 1
    lines = _lines(backup)
    start = _first_record(lines, "reviews")
    reviews = document["reviews"]
    assert len(reviews) > 3
    for offset, review in enumerate(reviews):
        assert json.loads(lines[start + offset].rstrip(b",\n")) == review
    assert lines[start + len(reviews)] == b"],\n"


def test_the_backup_restores_and_exports_the_same(backup: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    code, out = run("--db", str(other), "import", str(backup))
    assert code == 0, out
    assert "review(s)" in out
    db = open_database(f"sqlite:///{other}")
    try:
        assert export_json(db) == json.loads(backup.read_text())
    finally:
        db.close()


def test_an_export_to_stdout_is_the_backup_alone(backup: Path) -> None:
    result = CliRunner().invoke(main, ["export", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(backup.read_text())


def test_a_backup_cut_in_the_middle_of_the_reviews_is_refused_at_its_place(
    cli_env: Path, backup: Path
) -> None:
    lines = _lines(backup)
    start = _first_record(lines, "reviews")
    cut = start + 2  # the third review, cut in half
    data = b"".join(lines[:cut]) + lines[cut][: len(lines[cut]) // 2]
    backup.write_bytes(data)
    out = _restore_fails(cli_env, backup)
    byte = len(b"".join(lines[:cut]))
    assert f"line {cut + 1} (byte {byte}): reviews[2]" in out, out
    assert "cut short" in out


def test_a_backup_cut_between_two_reviews_is_refused(cli_env: Path, backup: Path) -> None:
    lines = _lines(backup)
    start = _first_record(lines, "reviews")
    backup.write_bytes(b"".join(lines[: start + 2]))
    out = _restore_fails(cli_env, backup)
    assert "ends early inside 'reviews' after reviews[1]" in out, out


def test_a_wrong_type_in_one_field_is_named_with_its_line(cli_env: Path, backup: Path) -> None:
    lines = _lines(backup)
    index = _first_record(lines, "reviews") + 1
    lines[index] = re.sub(rb'"quality":(\d)', rb'"quality":"\1"', lines[index])
    backup.write_bytes(b"".join(lines))
    out = _restore_fails(cli_env, backup)
    assert f"line {index + 1} (byte " in out
    assert "reviews[1].quality: expected an integer, got a string" in out, out


def test_a_value_out_of_range_is_named(cli_env: Path, backup: Path) -> None:
    lines = _lines(backup)
    index = _first_record(lines, "reviews")
    lines[index] = re.sub(rb'"quality":(\d)', rb'"quality":9', lines[index])
    backup.write_bytes(b"".join(lines))
    assert "reviews[0].quality: 9 is outside 0..5" in _restore_fails(cli_env, backup)


def test_a_duplicate_id_is_refused(cli_env: Path, backup: Path) -> None:
    lines = _lines(backup)
    index = _first_record(lines, "cards")
    lines.insert(index + 1, lines[index])
    backup.write_bytes(b"".join(lines))
    out = _restore_fails(cli_env, backup)
    assert f"line {index + 2} (byte " in out and "cards[1].id: duplicate id" in out, out


def test_a_duplicate_review_id_is_refused(cli_env: Path, backup: Path) -> None:
    lines = _lines(backup)
    index = _first_record(lines, "reviews")
    first = json.loads(lines[index].rstrip(b",\n"))
    lines[index + 1] = re.sub(rb'^\{"id":\d+', b'{"id":%d' % first["id"], lines[index + 1])
    backup.write_bytes(b"".join(lines))
    assert f"reviews[1].id: duplicate id {first['id']}" in _restore_fails(cli_env, backup)


def test_an_unknown_schema_version_is_refused(cli_env: Path, backup: Path) -> None:
    data = backup.read_bytes().replace(b'"version":1,', b'"version":2,', 1)
    backup.write_bytes(data)
    out = _restore_fails(cli_env, backup)
    assert "version: this studyapp reads version 1, not 2" in out, out


def test_an_export_of_the_older_layout_still_restores(backup: Path, tmp_path: Path) -> None:
    """What `studyapp export` wrote before issue 16: the same object, indented."""
    document = json.loads(backup.read_text())
    older = tmp_path / "older.json"
    older.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    other = tmp_path / "other.db"
    code, out = run("--db", str(other), "import", str(older))
    assert code == 0, out
    db = open_database(f"sqlite:///{other}")
    try:
        assert export_json(db) == document
    finally:
        db.close()


def test_a_large_file_of_another_layout_is_refused_not_read_whole(
    cli_env: Path, backup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    older = tmp_path / "older.json"
    older.write_text(json.dumps(json.loads(backup.read_text()), indent=1))
    monkeypatch.setattr(restore, "WHOLE_DOCUMENT_LIMIT", 1000)
    out = _restore_fails(cli_env, older)
    assert "not laid out one record per line" in out and "too large to read whole" in out


def test_a_damaged_record_in_a_later_batch_rolls_back_the_earlier_ones(
    cli_env: Path, backup: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of one record: every earlier review is already inserted when the last one
    is refused, and the transaction takes them all back."""
    monkeypatch.setattr(restore, "BATCH", 1)
    lines = _lines(backup)
    start = _first_record(lines, "reviews")
    last = lines.index(b"],\n", start) - 1
    lines[last] = lines[last].replace(b'"kind":"', b'"kind":"x', 1)
    backup.write_bytes(b"".join(lines))
    assert "is not one of card, topic" in _restore_fails(cli_env, backup)


def test_sqlite_writes_the_reviews_exactly_as_msgspec_does(db, clock) -> None:
    """The long sections are built by SQLite on SQLite (store/json_lines.py): the same
    document, byte for byte, as the Structs encoded by msgspec."""
    import io

    from sqlalchemy import text

    from studyapp.transfer.backup import write_backup

    build_history(db, Settings(clock=clock))
    with db.engine.begin() as connection:  # moments and easiness factors of every shape
        connection.execute(
            text(
                "UPDATE reviews SET reviewed_at = reviewed_at + (id * 7919) % 86400000, "
                "prev_easiness = 130 + (id * 37) % 9871, easiness = 130 + (id * 53) % 171"
            )
        )
        connection.execute(text("UPDATE reviews SET reviewed_at = 0 WHERE id = 1"))
    built, encoded = io.BytesIO(), io.BytesIO()
    assert write_backup(db, built) == write_backup(db, encoded, sqlite_records=False)
    assert built.getvalue() == encoded.getvalue()
    assert json.loads(built.getvalue())["reviews"][0]["time"] == "1970-01-01T00:00:00.000Z"


def test_a_new_table_is_one_struct_and_one_section(db, tmp_path, monkeypatch) -> None:
    """What another table in the backup takes (the learner's card flags, say): a Struct
    naming its columns and an entry in SECTIONS; backup and restore need nothing more."""
    from sqlalchemy import Column, Integer, String, Table, insert

    from studyapp.store.schema import metadata
    from studyapp.store.types import Day
    from studyapp.transfer import backup, backup_schema
    from studyapp.transfer.backup import write_backup

    class Flag(backup_schema.Struct):
        id: str
        card_id: str
        color: int
        set_on: date
        note: str | None = None

    table = Table(
        "backup_test_flags",
        metadata,
        Column("id", String(100), primary_key=True),
        Column("card_id", String(100)),
        Column("color", Integer),
        Column("set_on", Day),
        Column("note", String(100)),
    )
    other = open_database(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        table.create(db.engine)
        table.create(other.engine)
        with db.engine.begin() as connection:
            connection.execute(
                insert(table),
                [{"id": "f1", "card_id": "c1", "color": 2, "set_on": date(2026, 3, 1)}],
            )
        sections = (
            *backup_schema.SECTIONS,
            backup_schema.Section("flags", Flag, False, table.name),
        )
        for module in (backup, restore):
            monkeypatch.setattr(module, "SECTIONS", sections)
        monkeypatch.setitem(backup._SECTION, "flags", sections[-1])
        monkeypatch.setitem(restore._STRUCTS, "flags", Flag)
        document = export_json(db)
        assert document["flags"] == [
            {"id": "f1", "card_id": "c1", "color": 2, "set_on": "2026-03-01", "note": None}
        ]
        restore.restore_json(other, restore.check_document(document))
        assert export_json(other) == document
        document["flags"].append(dict(document["flags"][0]))
        with pytest.raises(restore._Bad, match=r"flags\[1\]\.id: duplicate id 'f1'"):
            restore.check_document(document)
        buffer = tmp_path / "flags.json"
        with buffer.open("wb") as out:
            write_backup(db, out)
        assert json.loads(buffer.read_text())["flags"][0]["color"] == 2
    finally:
        other.close()
        metadata.remove(table)


def test_a_backup_keeps_the_learners_edits_and_flags(cli_env: Path, tmp_path: Path, clock) -> None:
    """An edit of a bundled card (its override) and a flag go into the backup and come
    back from it: restoring must not lose what the learner shaped."""
    from studyapp.collection import Collection

    collection = Collection.open(str(cli_env), Settings(clock=clock))
    try:
        card_id = collection.search_cards()[0].id
        assert collection.edit_card(card_id, {"front": "My own question?", "back": "Mine."})
        collection.flag_card(card_id, "unclear", "the second sentence")
        flags, overrides = collection.flags(), collection.overrides()
    finally:
        collection.close()
    path = tmp_path / "shaped.json"
    code, out = run("export", "--format", "json", "-o", str(path))
    assert code == 0, out
    document = json.loads(path.read_text())
    assert [f["card_id"] for f in document["card_flags"]] == [card_id]
    assert [o["card_id"] for o in document["card_overrides"]] == [card_id]
    other = tmp_path / "other.db"
    code, out = run("--db", str(other), "import", str(path))
    assert code == 0, out
    restored = Collection.open(str(other), Settings(clock=clock))
    try:
        assert restored.flags() == flags
        assert restored.overrides() == overrides
        assert restored.card_text(card_id).front == "My own question?"
    finally:
        restored.close()


def test_a_large_backup_is_read_in_a_second_process(
    cli_env: Path, backup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From READ_BESIDE_FROM bytes a second process reads and checks the file while this
    one writes; below it, no process is started."""
    started: list[int] = []
    real = restore._Reader.__init__

    def counting(self: restore._Reader, path: Path, sqlite: bool) -> None:
        real(self, path, sqlite)
        started.append(self.process.pid or 0)

    monkeypatch.setattr(restore._Reader, "__init__", counting)
    size = backup.stat().st_size
    for threshold, expected in ((size + 1, 0), (size, 1)):
        monkeypatch.setattr(restore, "READ_BESIDE_FROM", threshold)
        code, out = run("--db", str(tmp_path / f"at-{threshold}.db"), "import", str(backup))
        assert code == 0, out
        assert len(started) == expected
    assert started[0] > 0


def test_a_backup_with_windows_line_ends_restores_the_same(backup: Path, tmp_path: Path) -> None:
    crlf = tmp_path / "crlf.json"
    crlf.write_bytes(backup.read_bytes().replace(b"\n", b"\r\n"))
    other = tmp_path / "other.db"
    code, out = run("--db", str(other), "import", str(crlf))
    assert code == 0, out
    db = open_database(f"sqlite:///{other}")
    try:
        assert export_json(db) == json.loads(backup.read_text())
    finally:
        db.close()


def test_a_restore_read_beside_counts_the_day_totals_as_the_log_comes_in(
    cli_env: Path, backup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer counts each stretch of the log into the day totals while the reader reads
    on; a day split across stretches adds up to what the whole log says."""
    monkeypatch.setattr(restore, "READ_BESIDE_FROM", 0)
    monkeypatch.setattr(restore, "COUNT_EVERY", 1)
    other = tmp_path / "other.db"
    code, out = run("--db", str(other), "import", str(backup))
    assert code == 0, out
    with closing(sqlite3.connect(other)) as connection:
        assert connection.execute("SELECT sum(reviews) FROM daily_totals").fetchone()[0] > 3
        assert_totals_match_log(connection)


def test_the_reader_ends_quietly_when_the_writer_stops_early(
    db, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A writer that stops after the first batch (a refused row, Ctrl-C) stops the reading
    process, busy sending the rest: it ends at once and prints nothing."""
    from studyapp.transfer.backup import write_backup
    from tests.helpers import add_cards

    add_cards(db, 3000)  # more rows than a pipe holds
    path = tmp_path / "big.json"
    with path.open("wb") as out:
        write_backup(db, out)
    reader = restore._Reader(path, sqlite=True)
    assert reader.next_message()  # the first batch of rows
    reader.close()
    assert not reader.process.is_alive() and not reader.pump.is_alive()
    assert capfd.readouterr().err == ""
