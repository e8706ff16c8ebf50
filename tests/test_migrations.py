"""Schema versions: a new database is built by the migrations, every stored database of
an earlier schema upgrades with every row intact (after a backup), a newer one is refused."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from studyapp.store import DatabaseProblem, open_database
from studyapp.store.db import HEAD, REVISIONS
from studyapp.store.models import Base
from studyapp.store.schema import FTS_TABLES
from tests.helpers import assert_totals_match_log

FIXTURES = Path(__file__).parent / "fixtures"
TABLES = ("decks", "cards", "drill_topics", "reviews", "drill_attempts")


def dump(path: Path, like: Path | None = None) -> dict[str, list[tuple]]:
    """Every row of our tables; with `like`, only the columns that database has (an
    upgrade may add columns, never change the old ones)."""
    connection = sqlite3.connect(path)
    try:
        return {t: _rows(connection, t, _columns(like or path, t)) for t in TABLES}
    finally:
        connection.close()


def _columns(path: Path, table: str) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
    finally:
        connection.close()


def _rows(connection: sqlite3.Connection, table: str, columns: list[str]) -> list[tuple]:
    listed = ", ".join(f'"{name}"' for name in columns)
    return connection.execute(f"SELECT {listed} FROM {table} ORDER BY 1").fetchall()


def test_migrations_build_exactly_the_models(tmp_path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'new.db'}")
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": _not_fts})
        assert compare_metadata(context, Base.metadata) == []
    db.close()


def _not_fts(name: str | None, type_: str, parent_names: object) -> bool:
    """The full-text index and its shadow tables are no models (store/schema.py FTS_TABLES)."""
    return not (type_ == "table" and name in FTS_TABLES)


def test_a_new_database_has_the_full_text_index_and_its_triggers(tmp_path) -> None:
    path = tmp_path / "new.db"
    open_database(f"sqlite:///{path}").close()
    connection = sqlite3.connect(path)
    names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    assert names >= FTS_TABLES
    assert {"cards_fts_insert", "cards_fts_update", "cards_fts_delete"} <= names


@pytest.mark.parametrize("revision", [r for r in REVISIONS if r != HEAD])
def test_every_released_schema_upgrades_keeping_every_row(tmp_path, revision) -> None:
    fixture = FIXTURES / f"schema-{revision}.db"
    assert fixture.exists(), f"keep a fixture of released schema {revision} in tests/fixtures"
    path = tmp_path / "old.db"
    shutil.copy(fixture, path)
    before = dump(path)
    assert all(before[t] for t in TABLES), "the fixture must have rows in every table"
    db = open_database(f"sqlite:///{path}")
    assert db.backup is not None and db.backup.exists()
    assert dump(db.backup) == before
    db.close()
    assert dump(path, like=fixture) == before
    connection = sqlite3.connect(path)
    assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (HEAD,)
    assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert_totals_match_log(connection)
    connection.close()


def test_an_upgraded_collection_is_usable(tmp_path, settings) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema-0001.db", path)
    from studyapp.collection import Collection

    collection = Collection.open(str(path), settings=settings, content=tmp_path / "none")
    card = collection.card("basics-3")
    assert card is not None and card.front == "front 3 — ünïcode"
    assert card.state.easiness == 2.08 and card.state.repetitions == 3
    collection.set_preference("new_per_day", "7")
    assert collection.settings.new_per_day == 7
    collection.close()


def test_a_database_from_a_newer_studyapp_is_refused_untouched(tmp_path) -> None:
    path = tmp_path / "future.db"
    shutil.copy(FIXTURES / "schema-0001.db", path)
    connection = sqlite3.connect(path)
    connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.commit()
    connection.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseProblem, match="newer studyapp"):
        open_database(f"sqlite:///{path}")
    assert path.read_bytes() == before


def test_upgraded_cards_are_their_own_basic_notes_and_grades_are_not_imported(tmp_path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema-0003.db", path)
    open_database(f"sqlite:///{path}").close()
    connection = sqlite3.connect(path)
    cards = connection.execute(
        "SELECT DISTINCT note_id, template, ordinal, anki_guid FROM cards"
    ).fetchall()
    imported = connection.execute("SELECT DISTINCT imported FROM reviews").fetchall()
    indexes = {row[1] for row in connection.execute("PRAGMA index_list(cards)")}
    connection.close()
    assert cards == [(None, "basic", None, None)]
    assert imported == [(0,)]
    assert "ix_cards_anki_guid" in indexes


def test_upgraded_attempts_have_no_recorded_slips_and_no_misconceptions(tmp_path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema-0007.db", path)
    open_database(f"sqlite:///{path}").close()
    connection = sqlite3.connect(path)
    attempts = connection.execute(
        "SELECT DISTINCT slips, mistakes_before FROM drill_attempts"
    ).fetchall()
    mistakes = connection.execute("SELECT count(*) FROM misconceptions").fetchone()
    connection.close()
    assert attempts == [("{}", None)]
    assert mistakes == (0,)
