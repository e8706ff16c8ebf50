"""The store, sessions and migrations against a real PostgreSQL server.

Runs when STUDYAPP_TEST_PG_URL names a database the tests may wipe (CI starts a local
server and sets it, see .ci/run); skipped otherwise. Two processes studying against the
one server must lose nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from studyapp.collection import Collection
from studyapp.config import FixedClock, Settings
from studyapp.export import export_json
from studyapp.stats import stats_data
from studyapp.store import open_database
from studyapp.store.db import HEAD
from studyapp.store.models import Card, DrillAttempt, Review
from studyapp.study import DrillSession, ReviewSession, state_of
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
        rows = s.execute(select(Review.item_id, Review.quality, Review.repeat).order_by(Review.id)).all()
    assert states[ids[0]].interval == 1 and states[ids[0]].easiness == 2.6
    assert states[ids[1]].repetitions == 0 and states[ids[1]].interval == 1
    assert rows[-1] == (ids[1], 4, True)
    session.undo()
    session.undo()
    with pg.session() as s:
        assert s.scalar(select(func.count()).select_from(Review)) == 2
    totals_match(pg)


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
    drill.submit("0.1, 0.2")
    drill.override(2)
    ReviewSession(pg, settings).grade(5)
    data = stats_data(pg, settings)
    assert data.reviews_today == 2 and data.retention_30d == 1.0
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
from studyapp.study import ReviewSession

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
        subprocess.Popen([sys.executable, str(script), URL, "1", deck], cwd=ROOT,
                         stderr=subprocess.PIPE, text=True)
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
            select(Review.item_id, Review.repetitions, Review.interval)
            .where(Review.id.in_(select(func.max(Review.id)).group_by(Review.item_id)))
        ).all()
        cards = {c.id: (c.repetitions, c.interval) for c in s.scalars(select(Card))}
    assert logged >= 80
    assert all(cards[item] == (reps, ivl) for item, reps, ivl in last)
    totals_match(pg)


def test_the_cli_runs_against_the_server(pg) -> None:
    env = {**os.environ, "STUDYAPP_DB": URL}
    out = subprocess.run(
        [sys.executable, "-m", "studyapp", "stats", "--json"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert '"streak_days": 0' in out.stdout
