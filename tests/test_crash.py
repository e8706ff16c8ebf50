"""Kill a reviewing or drilling process at random moments (SIGKILL: no cleanup runs):
every grade it reported as recorded is in the database, no grade is half-written, and
SQLite's integrity check passes.

"Not half-written" is checked from the log's own bookkeeping: each card's or topic's
state equals the after-state of its last log row, each log row's before-state equals
the after-state of the row before it for the same item, every drill attempt has its
log row and every drill log row its attempt, and the daily totals equal the log."""

from __future__ import annotations

import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from typing import IO

import pytest

from tests.helpers import add_cards, assert_totals_match_log

WRITER = """
import sys
from datetime import datetime, timedelta
from studyapp.config import FixedClock, Settings
from studyapp.store import open_database
from studyapp.review.cards import ReviewSession

db = open_database(f"sqlite:///{sys.argv[1]}")
days, i = map(int, sys.stdin.readline().split())  # wait for the go: days ahead, first index
start = datetime(2026, 3, 10, 12).astimezone() + timedelta(days=days)
clock = FixedClock(start)
settings = Settings(new_per_day=100000, reviews_per_day=100000, clock=clock)
grades = [5, 4, 3, 2, 4, 5, 1, 4]
while True:
    session = ReviewSession(db, settings)
    if session.current is None:
        clock.advance(days=1)  # nothing left today: study tomorrow's cards
        continue
    while session.current is not None:
        card = session.current.id
        session.grade(grades[i % len(grades)], duration_ms=i)
        print(f"{card} {i}", flush=True)  # only after the commit returned
        i += 1
"""


def read_line(stream: IO[str], seconds: float = 30.0) -> str:
    ready, _, _ = select.select([stream], [], [], seconds)
    assert ready, "the writer printed nothing for 30 s"
    return stream.readline()


DRILLER = """
import json, sys
from datetime import datetime, timedelta
from studyapp.config import FixedClock, Settings
from studyapp.store import open_database
from studyapp.review.drilling import DrillSession

from studyapp.drills import registry

db = open_database(f"sqlite:///{sys.argv[1]}")
registry()


def wrong(answer):  # of the answer's shape: another shape is a slip, not recorded
    return [wrong(item) for item in answer] if isinstance(answer, list) else 12345.678

days, i = map(int, sys.stdin.readline().split())  # wait for the go: days ahead, first index
clock = FixedClock(datetime(2026, 3, 10, 12).astimezone() + timedelta(days=days))
while True:
    session = DrillSession(db, Settings(clock=clock), seed=i)
    if session.problem is None:
        clock.advance(days=1)  # nothing due today: drill tomorrow's topics
        continue
    while session.problem is not None:
        clock.advance(seconds=1 + i % 7)
        if i % 4 == 3:
            record = session.give_up()
        else:
            typed = json.dumps(session.problem.answer if i % 4 else wrong(session.problem.answer))
            session.submit(typed)
            record = session.record
            if i % 5 == 0:
                record = session.override(4)
        print(f"{record.attempt_id} {record.review_id} {record.quality}", flush=True)
        i += 1
        session.next()
"""

CHAIN_BREAKS = """
    SELECT r.id FROM reviews r JOIN reviews p ON p.id = (
        SELECT max(id) FROM reviews WHERE kind = r.kind AND item_id = r.item_id AND id < r.id)
    WHERE r.prev_repetitions != p.repetitions OR r.prev_interval != p.interval
       OR r.prev_easiness != p.easiness OR r.prev_due IS NOT p.due
       OR r.prev_lapses != p.lapses
"""


def state_mismatches(connection: sqlite3.Connection, table: str, kind: str) -> list[tuple[str]]:
    """Items whose stored state differs from the after-state of their last log row."""
    return connection.execute(
        f"""
        SELECT c.id FROM {table} c JOIN reviews r ON r.id = (
            SELECT max(id) FROM reviews WHERE item_id = c.id AND kind = '{kind}')
        WHERE c.repetitions != r.repetitions OR c.interval != r.interval
           OR c.easiness != r.easiness OR c.due IS NOT r.due OR c.lapses != r.lapses
        """
    ).fetchall()


def assert_log_consistent(connection: sqlite3.Connection) -> None:
    """The whole database agrees with its review log (see the module docstring)."""
    assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    assert state_mismatches(connection, "cards", "card") == []
    assert state_mismatches(connection, "drill_topics", "topic") == []
    assert connection.execute(CHAIN_BREAKS).fetchall() == []
    for table, kind in (("cards", "card"), ("drill_topics", "topic")):
        unlogged = connection.execute(
            f"SELECT count(*) FROM {table} c WHERE c.due IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM reviews r WHERE r.item_id = c.id AND r.kind = '{kind}')"
        ).fetchone()
        assert unlogged == (0,), table
    orphans = connection.execute(
        "SELECT count(*) FROM reviews r WHERE r.kind = 'topic' AND NOT EXISTS "
        "(SELECT 1 FROM drill_attempts a WHERE a.review_id = r.id)"
    ).fetchone()
    assert orphans == (0,)
    attempts = connection.execute(
        "SELECT count(*), count(DISTINCT review_id), count(review_id) FROM drill_attempts"
    ).fetchone()
    assert attempts[0] == attempts[1] == attempts[2]
    assert_totals_match_log(connection)


def kill_repeatedly(
    script: str, tmp_path: Path, db_path: Path, kills: int, seed: int, days_apart: int
) -> list[list[str]]:
    """Run `script` `kills` times, one process after another, SIGKILLing each at a random
    moment after a random number of reported grades; returns every line they printed
    (each one a committed grade)."""
    path = tmp_path / "victim.py"
    path.write_text(script)
    rng = random.Random(seed)
    reported: list[list[str]] = []

    def spawn() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, str(path), str(db_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )

    # Victims start (import, open the database) ahead of time, a few in parallel, then
    # wait for their turn: a kill costs milliseconds instead of an interpreter start-up.
    ahead = min(kills, 12)
    victims = deque(spawn() for _ in range(ahead))
    process: subprocess.Popen[str] | None = None
    try:
        for round_no in range(kills):
            process = victims.popleft()
            if round_no + ahead < kills:
                victims.append(spawn())
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(f"{round_no * days_apart} {len(reported)}\n")
            process.stdin.flush()
            wanted = rng.randint(1, 40)
            lines: list[list[str]] = []
            while len(lines) < wanted:
                line = read_line(process.stdout)
                assert line, "the process died on its own"
                lines.append(line.split())
            time.sleep(rng.random() * 0.02)  # land the kill at a random point mid-grade
            process.send_signal(signal.SIGKILL)
            # Read the rest through the same text stream: readline() may already hold the
            # start of the next line in its buffer, which communicate() (raw pipe) skips.
            rest = process.stdout.read()
            process.stdin.close()
            process.wait()
            assert process.returncode == -signal.SIGKILL
            # A line is a report only once its newline is out: the kill may cut one short.
            lines += [
                line.split() for line in rest.splitlines(keepends=True) if line.endswith("\n")
            ]
            reported += lines
    finally:  # a failed assertion must not leave victims running (they loop forever)
        for leftover in [process, *victims]:
            if leftover is not None and leftover.poll() is None:
                leftover.kill()
                leftover.communicate()
    return reported


KILLS = {"review": 12, "drill": 10}  # the default run; `pytest -m slow` adds the long runs
LONG_KILLS = {"review": 80, "drill": 60}


def only_when_asked(request: pytest.FixtureRequest) -> None:
    if "slow" not in (request.config.getoption("-m") or ""):
        pytest.skip("long kill run: select it with -m slow")


@pytest.mark.parametrize("long", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_killed_drill_loses_no_reported_attempt(
    db, db_path: Path, tmp_path: Path, request: pytest.FixtureRequest, long: bool
) -> None:
    if long:
        only_when_asked(request)
    from studyapp.decks.sync import sync_topics
    from studyapp.drills import registry

    sync_topics(db, ((t.id, t.title) for t in registry().values()))
    db.close()
    kills = (LONG_KILLS if long else KILLS)["drill"]
    reported = kill_repeatedly(DRILLER, tmp_path, db_path, kills, seed=11, days_apart=20)
    connection = sqlite3.connect(db_path)
    try:
        stored = set(
            connection.execute(
                "SELECT a.id, a.review_id, r.quality FROM drill_attempts a "
                "JOIN reviews r ON r.id = a.review_id"
            ).fetchall()
        )
        assert {(int(a), int(r), int(q)) for a, r, q in reported} <= stored
        assert_log_consistent(connection)
    finally:
        connection.close()
    assert len(reported) >= kills


@pytest.mark.parametrize("long", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_killed_writer_loses_no_reported_grade(
    db, db_path: Path, tmp_path: Path, request: pytest.FixtureRequest, long: bool
) -> None:
    if long:
        only_when_asked(request)
    add_cards(db, 300)
    db.close()
    kills = (LONG_KILLS if long else KILLS)["review"]
    lines = kill_repeatedly(WRITER, tmp_path, db_path, kills, seed=7, days_apart=30)
    reported = [(card, int(i)) for card, i in lines]
    connection = sqlite3.connect(db_path)
    try:
        logged = connection.execute("SELECT item_id, duration_ms FROM reviews").fetchall()
        assert set(reported) <= set(logged)
        assert_log_consistent(connection)
    finally:
        connection.close()
    assert len(reported) >= kills
