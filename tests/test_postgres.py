"""The store, sessions and migrations against a real PostgreSQL server.

Runs when STUDYAPP_TEST_PG_URL names a database the tests may wipe (CI starts a local
server and sets it, see .ci/run); skipped otherwise. Two processes studying against the
one server must lose nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from studyapp.collection import Collection
from studyapp.config import FixedClock, Settings
from studyapp.progress.stats import stats_data
from studyapp.review.cards import ReviewSession
from studyapp.review.drilling import DrillSession
from studyapp.store import open_database
from studyapp.store.db import HEAD
from studyapp.store.errors import GradeSuperseded
from studyapp.store.models import Card, DrillAttempt, Review
from studyapp.store.rows import state_of
from studyapp.transfer.backup import export_json
from studyapp.transfer.restore import check_document, restore_json
from tests.conftest import NOON
from tests.helpers import TOTALS_FROM_LOG, TOTALS_STORED, add_cards

URL = os.environ.get("STUDYAPP_TEST_PG_URL")
pytestmark = pytest.mark.skipif(not URL, reason="set STUDYAPP_TEST_PG_URL to run on PostgreSQL")
ROOT = Path(__file__).resolve().parent.parent


def wipe(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def pg():
    assert URL is not None
    wipe(URL)
    db = open_database(URL)
    yield db
    db.close()


def totals_match(db) -> None:
    with db.engine.connect() as connection:
        stored = connection.execute(text(TOTALS_STORED)).all()
        derived = connection.execute(text(TOTALS_FROM_LOG)).all()
    assert [tuple(int(v) if not isinstance(v, str) else v for v in row) for row in stored] == [
        tuple(int(v) if not isinstance(v, str) else v for v in row) for row in derived
    ]


def test_migrations_build_the_schema(pg) -> None:
    with pg.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
        indexes = {
            name: definition
            for name, definition in connection.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cards'")
            )
        }
    assert "WHERE" in indexes["ix_cards_due"] and "WHERE" in indexes["ix_cards_new"]


def test_review_session_same_day_repeat_and_undo(pg) -> None:
    settings = Settings(clock=FixedClock(NOON))
    ids = add_cards(pg, 3)
    session = ReviewSession(pg, settings)
    session.grade(5)
    session.grade(2)  # comes back
    session.grade(4)
    session.grade(4)  # the repeat of the second card
    assert session.current is None
    with pg.session() as s:
        states = {i: state_of(s.get(Card, i)) for i in ids}
        rows = s.execute(
            select(Review.item_id, Review.quality, Review.repeat).order_by(Review.id)
        ).all()
    assert states[ids[0]].interval == 1 and states[ids[0]].easiness == 2.6
    assert states[ids[1]].repetitions == 0 and states[ids[1]].interval == 1
    assert rows[-1] == (ids[1], 4, True)
    session.undo()
    session.undo()
    with pg.session() as s:
        assert s.scalar(select(func.count()).select_from(Review)) == 2
    totals_match(pg)


def log_and_states(db) -> tuple[list[tuple[object, ...]], dict[str, object]]:
    with db.session() as s:
        log = [tuple(r) for r in s.execute(select(Review.id, Review.item_id, Review.quality))]
        cards = {c.id: state_of(c) for c in s.scalars(select(Card))}
    return sorted(log), cards


def test_undo_and_override_refuse_a_grade_another_connection_superseded(pg) -> None:
    settings = Settings(clock=FixedClock(NOON))
    [card] = add_cards(pg, 1)
    other = open_database(URL)
    try:
        mine, theirs = ReviewSession(pg, settings), ReviewSession(other, settings)
        assert mine.current.id == theirs.current.id == card
        mine.grade(4)
        theirs.grade(5)
        before = log_and_states(pg)
        with pytest.raises(GradeSuperseded):
            mine.undo()
        assert log_and_states(pg) == before
        drill = DrillSession(pg, settings, topic_ids=["mse"], seed=5)
        drill.give_up()
        DrillSession(other, settings, topic_ids=["mse"], seed=6).give_up()
        with pytest.raises(GradeSuperseded):
            drill.override(4)
    finally:
        other.close()
    totals_match(pg)


def test_undo_after_another_connections_restore_deletes_no_other_cards_review(pg) -> None:
    settings = Settings(clock=FixedClock(NOON))
    [alpha] = add_cards(pg, 1, deck="alpha")
    add_cards(pg, 1, deck="beta")
    backup_session = ReviewSession(pg, settings, deck_ids=["alpha"])
    backup_session.grade(4)
    backup = export_json(pg)  # review 1: the alpha card
    backup_session.undo()
    with pg.engine.begin() as connection:  # a fresh log, as on another machine: ids start again
        connection.execute(text("ALTER SEQUENCE reviews_id_seq RESTART WITH 1"))
    mine = ReviewSession(pg, settings, deck_ids=["beta"])
    mine.grade(5)
    other = open_database(URL)
    try:
        restore_json(other, check_document(backup), replace=True)
    finally:
        other.close()
    before = log_and_states(pg)
    assert [item for _, item, _ in before[0]] == [alpha]
    with pytest.raises(GradeSuperseded):
        mine.undo()
    assert log_and_states(pg) == before
    totals_match(pg)


def test_undo_waits_for_a_grade_in_progress_elsewhere_and_then_refuses(pg) -> None:
    """Another connection is grading the card (row locked, not yet committed) when undo
    starts: undo waits for it and then sees its grade, instead of rewinding it."""
    settings = Settings(clock=FixedClock(NOON))
    [card] = add_cards(pg, 1)
    mine = ReviewSession(pg, settings)
    mine.grade(4)
    other = open_database(URL)
    outcome: list[BaseException | None] = []

    def undo() -> None:
        try:
            mine.undo()
            outcome.append(None)
        except BaseException as error:  # reported to the test below
            outcome.append(error)

    try:
        with other.writer.begin() as sql:  # a grade of the card, held open
            sql.execute(text("SELECT id FROM cards WHERE id = :id FOR UPDATE"), {"id": card})
            sql.execute(
                text("UPDATE cards SET repetitions = repetitions + 1 WHERE id = :id"), {"id": card}
            )
            sql.execute(
                text(
                    "INSERT INTO reviews (kind, item_id, reviewed_at, day, quality, duration_ms,"
                    " repeat, prev_easiness, prev_repetitions, prev_interval, prev_due,"
                    " prev_lapses,"
                    " prev_last_review, easiness, repetitions, interval, due, lapses)"
                    " SELECT kind, item_id, reviewed_at + 1, day, 5, 0, false, easiness,"
                    " repetitions, interval, due, lapses, day, easiness, repetitions + 1, interval,"
                    " due, lapses FROM reviews WHERE item_id = :id"
                ),
                {"id": card},
            )
            worker = threading.Thread(target=undo)
            worker.start()
            with pg.engine.connect() as watcher:  # until undo waits on the card's row lock
                for _ in range(500):
                    waiting = watcher.execute(
                        text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                    ).scalar()
                    if waiting or outcome:
                        break
                    time.sleep(0.01)  # another server process's state: nothing to await
            assert waiting and not outcome, "undo did not wait for the grade in progress"
        worker.join(timeout=30)
        assert len(outcome) == 1 and isinstance(outcome[0], GradeSuperseded)
    finally:
        other.close()
    with pg.session() as s:
        assert s.scalar(select(func.count()).select_from(Review)) == 2


def test_drills_stats_sync_and_export(pg, tmp_path) -> None:
    settings = Settings(clock=FixedClock(NOON))
    content = tmp_path / "content"
    content.mkdir()
    (content / "tiny.toml").write_text(
        '[deck]\nid = "tiny"\nname = "Tiny"\ndescription = "t"\n\n'
        '[[cards]]\nid = "tiny-1"\nfront = "Q?"\nback = "A."\n'
    )
    collection = Collection(pg, settings)
    assert collection.sync(content).added == 1
    collection.sync_topics()
    drill = DrillSession(pg, settings, topic_ids=["softmax"], seed=3)
    assert drill.problem is not None
    wrong = [value + 1 for value in drill.problem.answer]  # the right shape, wrong values
    drill.submit(", ".join(str(value) for value in wrong))
    drill.override(2)
    ReviewSession(pg, settings).grade(5)
    data = stats_data(pg, settings)
    assert (data.reviews_today, data.drills_today) == (1, 1)  # cards and drills apart
    assert data.retention_30d == 1.0
    assert data.today == date(2026, 3, 10)
    exported = export_json(pg)
    assert [c["id"] for c in exported["cards"]] == ["tiny-1"]
    assert len(exported["reviews"]) == 2 and exported["drill_attempts"][0]["topic"] == "softmax"
    with pg.session() as s:
        assert s.scalar(select(func.count()).select_from(DrillAttempt)) == 1
    totals_match(pg)


WRITER = """
import sys
from datetime import datetime
from studyapp.config import FixedClock, Settings
from studyapp.store import open_database
from studyapp.review.cards import ReviewSession

db = open_database(sys.argv[1])
settings = Settings(new_per_day=10000, clock=FixedClock(datetime(2026, 3, 10, 12).astimezone()))
for round_no in range(int(sys.argv[2])):
    session = ReviewSession(db, settings, deck_ids=[sys.argv[3]])
    while session.current is not None:
        session.grade(4 + round_no % 2)
"""


def test_two_processes_studying_against_one_server_lose_nothing(pg, tmp_path) -> None:
    add_cards(pg, 40, deck="alpha")
    add_cards(pg, 40, deck="beta")
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    processes = [
        subprocess.Popen(
            [sys.executable, str(script), URL, "1", deck],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for deck in ("alpha", "beta", "alpha")  # two of them on the same cards
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    with pg.session() as s:
        logged = s.scalar(select(func.count()).select_from(Review))
        # Every card is graded once, whichever process got there first; the state of each
        # card is the after-state of its last log row (no update lost or half-applied).
        last = s.execute(
            select(Review.item_id, Review.repetitions, Review.interval).where(
                Review.id.in_(select(func.max(Review.id)).group_by(Review.item_id))
            )
        ).all()
        cards = {c.id: (c.repetitions, c.interval) for c in s.scalars(select(Card))}
    assert logged >= 80
    assert all(cards[item] == (reps, ivl) for item, reps, ivl in last)
    totals_match(pg)


def test_the_cli_runs_against_the_server(pg) -> None:
    env = {**os.environ, "STUDYAPP_DB": URL}
    out = subprocess.run(
        [sys.executable, "-m", "studyapp", "stats", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert '"streak_days": 0' in out.stdout


def test_a_mistake_is_tracked_undone_and_backed_up(pg) -> None:
    """The misconception statements (a locked read, an upsert, undo's restore) and the
    backup's new table and columns, on the server."""
    from studyapp.progress.stats import stats_json
    from studyapp.store.models import MisconceptionRow
    from tests.test_misconception_session import (
        SIGN,
        answer_until_tempting,
        chain_session,
        right,
        worked_with_slip,
    )

    settings = Settings(clock=FixedClock(NOON))
    session = chain_session(pg, settings)
    session.submit(worked_with_slip(session.problem, "a1", SIGN))
    session.next()
    answer_until_tempting(session)
    session.submit(right(session.problem))
    with pg.session() as s:
        assert s.get(MisconceptionRow, SIGN).avoided_run == 1
    session.undo()
    with pg.session() as s:
        assert s.get(MisconceptionRow, SIGN).avoided_run == 0
    assert [m["id"] for m in stats_json(stats_data(pg, settings))["misconceptions"]] == [SIGN]
    document = export_json(pg)
    restore_json(pg, check_document(document), replace=True)
    assert export_json(pg)["misconceptions"] == document["misconceptions"]


def test_fsrs_state_and_weights_come_back_from_a_backup_on_the_server(pg, monkeypatch) -> None:
    """FSRS's kept states (floats, days) and bookkeeping through the server's restore, with no
    replay of the log."""
    from studyapp.review import fsrs_state
    from tests.test_interop import build_history

    settings = Settings(clock=FixedClock(NOON))
    build_history(pg, settings)
    collection = Collection(pg, settings)
    collection.set_preference("scheduler", "fsrs")
    document = export_json(pg)
    assert any(c["fsrs"] for c in document["cards"])
    assert document["preferences"]["fsrs_tracked"] == "1"
    with pg.session() as session:
        kept = session.execute(
            select(Card.id, Card.fsrs_stability, Card.fsrs_difficulty, Card.fsrs_due)
        ).all()

    def no_replay(*_args, **_kwargs):
        raise AssertionError("the restore replayed the log")

    monkeypatch.setattr(fsrs_state, "derive", no_replay)
    collection.restore(check_document(document), replace=True)
    assert collection.settings.fsrs_tracked
    with pg.session() as session:
        assert sorted(kept) == sorted(
            session.execute(
                select(Card.id, Card.fsrs_stability, Card.fsrs_difficulty, Card.fsrs_due)
            ).all()
        )
    assert export_json(pg) == document


def test_a_snapshot_is_of_a_sqlite_file_and_the_server_says_so(pg, tmp_path) -> None:
    from click.testing import CliRunner

    from studyapp.cli import main

    out = tmp_path / "all.studyapp"
    result = CliRunner().invoke(
        main, ["--db", URL, "export", "--format", "snapshot", "-o", str(out)]
    )
    assert result.exit_code == 1 and "--format json" in result.output, result.output
    assert not out.exists()


def test_browse_search_sort_and_history_on_the_server(pg) -> None:
    """Browse's search is an ILIKE on PostgreSQL (pg_trgm-indexed when the server allows):
    the same parts of words, tag prefixes and sorts as SQLite's trigram index."""
    settings = Settings(clock=FixedClock(NOON))
    collection = Collection(pg, settings)
    collection.sync()
    relu = {r.id for r in collection.search_cards("ReLU", limit=100_000)}
    assert relu and relu == {r.id for r in collection.search_cards("relu", limit=100_000)}
    assert {r.id for r in collection.search_cards("∂L", limit=100_000)}
    assert {r.id for r in collection.search_cards("tag:rel", limit=100_000)} >= {
        r.id for r in collection.search_cards(limit=100_000) if "relu" in r.tags.split()
    }
    assert collection.search_cards("100%_", limit=10) == []
    session = collection.review()
    card = session.current
    assert card is not None
    session.grade(4, duration_ms=2000)
    assert [h.quality for h in collection.card_history(card.id)] == [4]
    dues = [r.due for r in collection.search_cards(sort="due", limit=100_000)]
    assert dues[0] is not None and dues[-1] is None
    assert {r.added for r in collection.search_cards(limit=100_000)} == {"2026-03-10"}
    with pg.engine.connect() as connection:
        indexes = set(
            connection.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'cards'"))
            .scalars()
            .all()
        )
    assert "ix_cards_text_trgm" in indexes  # the test server lets its owner create pg_trgm


def test_a_large_backup_restores_through_a_second_process_on_the_server(
    pg, tmp_path, monkeypatch
) -> None:
    """The reader process and the per-stretch day totals (an upsert) on PostgreSQL."""
    from studyapp.transfer import restore
    from studyapp.transfer.backup import write_backup
    from tests.test_interop import build_history

    build_history(pg, Settings(clock=FixedClock(NOON)))
    path = tmp_path / "all.json"
    with path.open("wb") as out:
        write_backup(pg, out)
    document = export_json(pg)
    monkeypatch.setattr(restore, "READ_BESIDE_FROM", 0)
    monkeypatch.setattr(restore, "COUNT_EVERY", 1)
    restore_json(pg, restore.open_backup(path), replace=True)
    assert export_json(pg) == document
    totals_match(pg)


def test_each_topics_last_results_are_read_by_an_index_seek_per_topic(pg) -> None:
    """The home screen's and stats' weakest topics (statement topic_recent): each topic's
    newest attempts, oldest first. On PostgreSQL an `id IN (correlated LIMIT)` join ran
    its subquery for every pair of topic and attempt (0.9 s on 2,000 attempts); the plan
    must not filter a join with a subquery."""
    import json as json_module
    from datetime import UTC, datetime

    from studyapp.store.runner import CoreRunner, compiled_for
    from studyapp.store.schema import drill_attempts, drill_topics

    topics = [f"topic-{t:02d}" for t in range(20)]
    rows = [
        {
            "topic_id": topic,
            "seed": n,
            "inputs": "{}",
            "expected": "{}",
            "outcome": "correct" if (n + t) % 3 else "wrong",
            "correct": bool((n + t) % 3),
            "attempted_at": datetime(2026, 1, 1, tzinfo=UTC),
            "day": date(2026, 1, 1 + n),
        }
        for t, topic in enumerate(topics)
        for n in range(25)
    ]
    with pg.engine.begin() as connection:
        connection.execute(drill_topics.insert(), [{"id": t, "title": t.title()} for t in topics])
        connection.execute(drill_topics.insert(), [{"id": "untried", "title": "Untried"}])
        connection.execute(drill_attempts.insert(), rows)
        connection.exec_driver_sql("ANALYZE")
        found = CoreRunner(connection).all("topic_recent", {"recent": 10})
        sql, _ = compiled_for(connection.dialect)["topic_recent"]
        plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}", {"recent": 10}).scalar()
    assert [row[4] for row in found if row[0] == "topic-04"] == [
        bool((n + 4) % 3) for n in range(15, 25)
    ]
    assert [row[4] for row in found if row[0] == "untried"] == [None]
    assert len(found) == 20 * 10 + 1

    def nodes(node: dict) -> list[dict]:
        return [node, *(n for child in node.get("Plans", []) for n in nodes(child))]

    tree = (plan if isinstance(plan, list) else json_module.loads(plan))[0]["Plan"]
    assert not [n for n in nodes(tree) if "SubPlan" in str(n.get("Join Filter", ""))]


def analyzed(db) -> set[str]:
    with db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")
        ).all()
    return {str(name) for (name,) in rows}


def test_a_restore_and_an_anki_import_leave_the_tables_measured(pg, tmp_path) -> None:
    """After a bulk load the planner has the tables' statistics at once, rather than when
    autovacuum comes round (until then the benchmark's home counts and stats ran at about
    twice their time)."""
    settings = Settings(clock=FixedClock(NOON))
    add_cards(pg, 30)
    collection = Collection(pg, settings)
    document = export_json(pg)
    assert "cards" not in analyzed(pg)
    collection.restore(check_document(document), replace=True)
    assert {"cards", "reviews", "daily_totals"} <= analyzed(pg)
    pytest.importorskip("anki.collection")
    from studyapp.transfer.anki_read import read_collection
    from studyapp.transfer.export import write_apkg

    package = tmp_path / "home.apkg"
    write_apkg(pg, package)
    with pg.engine.begin() as connection:
        connection.exec_driver_sql("SELECT pg_stat_reset()")
    assert "cards" not in analyzed(pg)
    collection.import_anki(read_collection(package), package)
    assert "cards" in analyzed(pg)


def test_a_connection_in_steady_use_is_not_pinged_and_a_dropped_one_is_replaced(
    monkeypatch,
) -> None:
    """A ping before every transaction was one more round trip per grade; a connection
    idle for less than PING_AFTER_IDLE_S is used as it is, and one idle longer is pinged
    first and replaced if the server dropped it (a restart, a laptop asleep)."""
    from studyapp.store import db as store_db
    from studyapp.store import postgres_server

    assert URL is not None
    wipe(URL)
    pg = open_database(URL)
    pings: list[object] = []
    real_ping = postgres_server._alive

    def counted(connection):
        pings.append(connection)
        return real_ping(connection)

    monkeypatch.setattr(postgres_server, "_alive", counted)
    try:
        for _ in range(3):
            with pg.reading() as reader:
                reader.all("preferences")
        assert pings == []
        with pg.reading() as reader:
            backend = reader.connection.execute("SELECT pg_backend_pid()").fetchone()[0]
        with create_engine(URL).connect() as other:
            other.exec_driver_sql(f"SELECT pg_terminate_backend({int(backend)})")
        monkeypatch.setattr(store_db, "PING_AFTER_IDLE_S", 0.0)
        with pg.reading() as reader:  # pinged, found dead, replaced: no error
            assert reader.all("preferences") is not None
        assert len(pings) >= 1
    finally:
        pg.close()


def test_a_start_on_postgresql_imports_no_sqlalchemy(pg) -> None:
    """Opening a current database and counting home runs on psycopg alone (SQLAlchemy's
    import was 0.2 s of a 0.8 s start); the first review still gets its ORM."""
    Collection.open(URL).close()  # the first start: the bundled decks synced (the ORM's work)
    probe = (
        "import sys\n"
        "from studyapp.collection import Collection\n"
        "collection = Collection.open(sys.argv[1])\n"
        "counts = collection.home()\n"
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy imported'\n"
        "collection.review()\n"
        "collection.close()\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, URL], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_grades_commit_as_sqlite_does_with_wal_and_normal(pg) -> None:
    """synchronous_commit off, SQLite's NORMAL: a killed studyapp loses nothing (the server
    has the commit), only a crash of the server's machine may lose the last moment; and a
    lock another transaction holds is waited for as long as SQLite's busy timeout."""
    from studyapp.store.db import BUSY_TIMEOUT_MS

    with pg.writing() as sql:
        connection = sql.connection
        assert connection.execute("SHOW synchronous_commit").fetchone()[0] == "off"
        timeout = connection.execute("SHOW lock_timeout").fetchone()[0]
    assert timeout in (f"{BUSY_TIMEOUT_MS}ms", f"{BUSY_TIMEOUT_MS // 1000}s")


def _card_indexes(connection) -> dict[str, str]:
    found = connection.execute(
        text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cards'")
    )
    return {name: definition for name, definition in found}


def test_a_bulk_write_sets_the_trigram_index_aside_and_builds_it_once(pg) -> None:
    """A restore's 100,000 cards grow the GIN trigram index row by row at three times the
    cost of building it once from the finished table: inside `index_rebuilt_after` for the
    whole table the index is gone, after it it is back exactly as it was, and a rollback
    keeps it. A smaller bulk write (an Anki import) keeps it growing in step."""
    from studyapp.store.card_index import index_rebuilt_after

    with pg.engine.connect() as connection:
        before = _card_indexes(connection)
        assert "ix_cards_text_trgm" in before
        connection.rollback()
        with connection.begin():
            with index_rebuilt_after(connection):
                assert _card_indexes(connection) == before
            with index_rebuilt_after(connection, whole_table=True) as index:
                assert "ix_cards_text_trgm" not in _card_indexes(connection)
                index.rebuild()
                assert _card_indexes(connection) == before
                index.rebuild()  # once only
            assert _card_indexes(connection) == before
        connection.rollback()
        transaction = connection.begin()
        with pytest.raises(RuntimeError), index_rebuilt_after(connection, whole_table=True):
            assert "ix_cards_text_trgm" not in _card_indexes(connection)
            raise RuntimeError("a refused row")
        transaction.rollback()  # the index comes back with the rollback
        assert _card_indexes(connection) == before


def test_rows_stream_into_one_copy_per_run_of_a_table(pg, monkeypatch) -> None:
    """The restore's batches of one table go into one COPY (binary: no text to format or
    parse), ended when another table comes, when asked, and at the end; the values come
    back as they went in, flags, NULLs and all."""
    import psycopg

    from studyapp.store.bulk import RowWriter

    started: list[str] = []
    copy = psycopg.Cursor.copy

    def counted(cursor, statement, *args, **kwargs):
        started.append(str(statement).split("(")[0])
        return copy(cursor, statement, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "copy", counted)
    columns = ("id", "name", "description", "origin", "source_path", "digest", "retired")
    decks = [(f"d{i}", f"Deck {i}", "", "import", None, None, i % 2 == 0) for i in range(5)]
    card_columns = ("id", "deck_id", "position", "front", "back", "tags", "ordinal")
    cards = [(f"c{i}", "d1", i, "front ∂L", "back", "", i % 3 or None) for i in range(10)]
    with pg.engine.connect() as connection, connection.begin():
        connection.exec_driver_sql("DELETE FROM cards")
        connection.exec_driver_sql("DELETE FROM decks")
        with RowWriter(connection) as writer:
            writer.write("decks", columns, decks[:2])
            writer.write("decks", columns, decks[2:])
            writer.write("cards", card_columns, cards[:4])
            writer.end()
            assert connection.exec_driver_sql("SELECT count(*) FROM cards").scalar() == 4
            writer.write("cards", card_columns, cards[4:])
        stored = connection.exec_driver_sql(
            "SELECT id, name, description, origin, source_path, digest, retired FROM decks "
            "ORDER BY id"
        ).all()
        assert [tuple(row) for row in stored] == decks
        stored = connection.exec_driver_sql(
            "SELECT id, deck_id, position, front, back, tags, ordinal FROM cards ORDER BY position"
        ).all()
        assert [tuple(row) for row in stored] == cards
    assert started == ["COPY decks ", "COPY cards ", "COPY cards "]


def test_a_failure_inside_a_row_stream_leaves_the_transaction_to_roll_back(pg) -> None:
    """A problem found while a COPY is open (the reader's damaged record) ends the COPY, so
    the restore's rollback runs and nothing is written."""
    from studyapp.store.bulk import RowWriter

    columns = ("id", "name", "description", "origin", "source_path", "digest", "retired")
    with pg.engine.connect() as connection:
        before = connection.exec_driver_sql("SELECT count(*) FROM decks").scalar()
        connection.rollback()
        transaction = connection.begin()
        with pytest.raises(ValueError), RowWriter(connection) as writer:
            writer.write("decks", columns, [("x", "X", "", "import", None, None, False)])
            raise ValueError("damaged")
        transaction.rollback()
        assert connection.exec_driver_sql("SELECT count(*) FROM decks").scalar() == before


def test_a_restore_over_a_collection_empties_its_tables_in_one_truncate(pg, tmp_path) -> None:
    """DELETE of a million reviews checks each row's foreign key in drill_attempts (a scan
    per row: eight minutes at full size); TRUNCATE of every table the backup fills is one
    statement, and like the rest of the restore it is undone by a rollback."""
    from sqlalchemy import event

    from studyapp.transfer import restore
    from tests.test_interop import build_history

    build_history(pg, Settings(clock=FixedClock(NOON)))
    document = export_json(pg)
    statements: list[str] = []

    def seen(_connection, _cursor, statement, *_args) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(pg.engine, "before_cursor_execute", seen)
    try:
        restore_json(pg, check_document(document), replace=True)
        assert export_json(pg) == document
        totals_match(pg)
        assert not [s for s in statements if s.startswith("DELETE FROM reviews")]
        assert [s for s in statements if s.startswith("TRUNCATE") and "reviews" in s]
        damaged = dict(document, reviews=[*document["reviews"], {"id": "x"}])
        with pytest.raises(restore.ImportProblem):
            restore_json(pg, restore.Restored(document=damaged), replace=True)
    finally:
        event.remove(pg.engine, "before_cursor_execute", seen)
    assert export_json(pg) == document


def test_a_row_the_server_refuses_in_a_copy_is_a_database_error(pg) -> None:
    """A row the checks let through but the server refuses (here a repeated key) comes out
    of the COPY as SQLAlchemy's DBAPIError, which restore_json turns into its one line."""
    from sqlalchemy.exc import DBAPIError

    from studyapp.store.bulk import RowWriter

    columns = ("id", "name", "description", "origin", "source_path", "digest", "retired")
    row = ("twice", "Twice", "", "import", None, None, False)
    with (
        pg.engine.connect() as connection,
        connection.begin(),
        pytest.raises(DBAPIError, match="twice"),
        RowWriter(connection) as writer,
    ):
        writer.write("decks", columns, [row, row])
