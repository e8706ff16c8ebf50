"""Kill a reviewing process at random moments: every grade it reported as recorded is in
the database, no grade is half-written, and SQLite's integrity check passes."""

from __future__ import annotations

import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import add_cards, assert_totals_match_log

WRITER = """
import sys
from datetime import datetime, timedelta
from studyapp.config import FixedClock, Settings
from studyapp.store import open_database
from studyapp.study import ReviewSession

db = open_database(f"sqlite:///{sys.argv[1]}")
start = datetime(2026, 3, 10, 12).astimezone() + timedelta(days=int(sys.argv[2]))
clock = FixedClock(start)
settings = Settings(new_per_day=100000, reviews_per_day=100000, clock=clock)
grades = [5, 4, 3, 2, 4, 5, 1, 4]
i = int(sys.argv[3])
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


def read_line(stream, seconds: float = 30.0) -> str:
    ready, _, _ = select.select([stream], [], [], seconds)
    assert ready, "the writer printed nothing for 30 s"
    return stream.readline()


def test_killed_writer_loses_no_reported_grade(db, db_path: Path, tmp_path: Path) -> None:
    add_cards(db, 300)
    db.close()
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    rng = random.Random(7)
    reported: list[tuple[str, int]] = []
    kills = 12
    for round_no in range(kills):
        process = subprocess.Popen(
            [sys.executable, str(script), str(db_path), str(round_no * 30), str(len(reported))],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert process.stdout is not None
        wanted = rng.randint(1, 40)
        lines = []
        while len(lines) < wanted:
            line = read_line(process.stdout)
            assert line, "writer died on its own"
            lines.append(line.split())
        time.sleep(rng.random() * 0.02)  # land the kill at a random point mid-grade
        process.send_signal(signal.SIGKILL)
        rest, _ = process.communicate()
        lines += [line.split() for line in rest.splitlines() if line.strip()]
        reported += [(card, int(i)) for card, i in lines]

    connection = sqlite3.connect(db_path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        logged = connection.execute("SELECT item_id, duration_ms FROM reviews").fetchall()
        assert set(reported) <= set(logged)
        # No half-written grade: each card's state equals the "after" of its last log row.
        mismatched = connection.execute(
            """
            SELECT c.id FROM cards c JOIN reviews r ON r.id = (
                SELECT max(id) FROM reviews WHERE item_id = c.id AND kind = 'card')
            WHERE c.repetitions != r.repetitions OR c.interval != r.interval
               OR c.easiness != r.easiness OR c.due IS NOT r.due OR c.lapses != r.lapses
            """
        ).fetchall()
        assert mismatched == []
        unlogged = connection.execute(
            "SELECT count(*) FROM cards c WHERE c.due IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM reviews r WHERE r.item_id = c.id)"
        ).fetchone()
        assert unlogged == (0,)
        assert_totals_match_log(connection)
    finally:
        connection.close()
    assert len(reported) >= kills
