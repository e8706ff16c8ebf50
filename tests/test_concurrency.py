"""Two studyapp processes on one database (two terminals): no lost update, no "database is
locked" traceback. Writers take the lock up front (BEGIN IMMEDIATE) and wait for it up to
the busy timeout; past that, the command line says so in one line and exits non-zero."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from studyapp.cli import main
from studyapp.config import Settings
from studyapp.review.cards import ReviewSession
from studyapp.store import db as store_db
from studyapp.store import open_database
from studyapp.store.errors import GradeSuperseded, StoreError
from tests.helpers import add_cards, assert_totals_match_log
from tests.test_crash import assert_log_consistent, read_line

REPO = Path(__file__).resolve().parent.parent

GRADER = """
import sys
from datetime import datetime, timedelta
from studyapp.config import FixedClock, Settings
from studyapp.store import open_database
from studyapp.review.cards import ReviewSession

db = open_database(f"sqlite:///{sys.argv[1]}")
decks, mark, rounds = sys.argv[2].split(","), int(sys.argv[3]), int(sys.argv[4])
clock = FixedClock(datetime(2026, 3, 10, 12).astimezone() + timedelta(milliseconds=mark))
settings = Settings(new_per_day=100000, reviews_per_day=100000, clock=clock)
print("ready", flush=True)
sys.stdin.readline()  # both graders start together
done = 0
for day in range(rounds):
    session = ReviewSession(db, settings, decks)
    while session.current is not None:
        session.grade([4, 2, 5, 3, 1][done % 5], duration_ms=done)
        done += 1
    clock.advance(days=1)
print("done", done, flush=True)
"""


def start_graders(db_path: Path, tmp_path: Path, decks: list[str], rounds: int) -> list[int]:
    """Two grader processes over `decks` (one comma-separated list each), released at the
    same moment; returns how many grades each reported. Process n's clock reads n ms past
    the second, which tells their log rows apart."""
    script = tmp_path / "grader.py"
    script.write_text(GRADER)
    processes = [
        subprocess.Popen(
            [sys.executable, str(script), str(db_path), deck, str(n + 1), str(rounds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for n, deck in enumerate(decks)
    ]
    for process in processes:
        assert process.stdout is not None
        assert read_line(process.stdout).strip() == "ready"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    counts = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
        counts.append(int(out.split()[-1]))
    return counts


def grades_by_process(connection: sqlite3.Connection) -> tuple[int, int]:
    first, second = connection.execute(
        "SELECT sum(reviewed_at % 1000 = 1), sum(reviewed_at % 1000 = 2) FROM reviews"
    ).fetchone()
    return int(first or 0), int(second or 0)


@pytest.mark.parametrize("shared", [False, True], ids=["different-cards", "same-cards"])
def test_two_processes_grading_at_once_lose_nothing(db, db_path, tmp_path, shared) -> None:
    add_cards(db, 60, deck="left")
    add_cards(db, 60, deck="right")
    db.close()
    decks = ["left,right", "left,right"] if shared else ["left", "right"]
    counts = start_graders(db_path, tmp_path, decks, rounds=4)
    connection = sqlite3.connect(db_path)
    try:
        assert grades_by_process(connection) == tuple(counts)
        assert_log_consistent(connection)
        if shared:  # both really graded the same cards, interleaved
            both = connection.execute(
                "SELECT count(*) FROM (SELECT item_id FROM reviews GROUP BY item_id "
                "HAVING min(reviewed_at % 1000) = 1 AND max(reviewed_at % 1000) = 2)"
            ).fetchone()[0]
            assert both > 0
    finally:
        connection.close()
    assert min(counts) > 0


def log_and_card(
    db_path: Path, card_id: str
) -> tuple[list[tuple[object, ...]], tuple[object, ...]]:
    """The whole review log and one card's stored schedule, read by a connection of its own
    (after checking that the day totals still match the log)."""
    connection = sqlite3.connect(db_path)
    try:
        assert_totals_match_log(connection)
        log = connection.execute("SELECT * FROM reviews ORDER BY id").fetchall()
        card = connection.execute(
            "SELECT easiness, repetitions, interval, due, lapses, last_review FROM cards "
            "WHERE id = ?", (card_id,),
        ).fetchone()  # fmt: skip
    finally:
        connection.close()
    return log, card


def test_undo_refuses_a_grade_another_terminal_graded_over(db, db_path, settings: Settings) -> None:
    """Two terminals show the same card and both grade it. Taking back the first grade would
    put the card back to before both while the second stays in the log: refused, nothing
    changes, and this session has nothing left to undo."""
    [card] = add_cards(db, 1)
    other = open_database(f"sqlite:///{db_path}")
    try:
        mine, theirs = ReviewSession(db, settings), ReviewSession(other, settings)
        assert mine.current.id == theirs.current.id == card
        mine.grade(4)
        theirs.grade(5)
        before = log_and_card(db_path, card)
        with pytest.raises(GradeSuperseded, match="graded again elsewhere"):
            mine.undo()
        assert log_and_card(db_path, card) == before
        assert not mine.can_undo
        theirs.undo()  # the other terminal's grade is still the latest: it can be taken back
        log, _ = log_and_card(db_path, card)
        assert len(log) == 1
    finally:
        other.close()


def test_undo_refuses_a_grade_another_terminal_logged_a_repeat_after(
    db, db_path, settings: Settings
) -> None:
    """A same-day repeat elsewhere leaves the schedule as this grade set it, but the log's
    latest grade of the card is no longer this one: refused as well."""
    [card] = add_cards(db, 1)
    other = open_database(f"sqlite:///{db_path}")
    try:
        mine, theirs = ReviewSession(db, settings), ReviewSession(other, settings)
        assert mine.current.id == theirs.current.id == card
        theirs.grade(1)  # comes back in that terminal
        mine.grade(4)  # from the state the other terminal left
        theirs.grade(5)  # its same-day repeat: logged, no reschedule
        before = log_and_card(db_path, card)
        with pytest.raises(GradeSuperseded):
            mine.undo()
        assert log_and_card(db_path, card) == before
    finally:
        other.close()


class LockHolder(threading.Thread):
    """Another writer: holds the database's write lock for `seconds` or until released,
    then commits (with `statement`'s write, if given)."""

    def __init__(self, path: Path, seconds: float, statement: str | None = None) -> None:
        super().__init__()
        self.path, self.seconds, self.statement = path, seconds, statement
        self.started, self.released = threading.Event(), threading.Event()

    def run(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            if self.statement is not None:
                connection.execute(self.statement)  # committed when the lock is let go
            self.started.set()
            self.released.wait(self.seconds)
            connection.execute("COMMIT")
        finally:
            connection.close()

    def __enter__(self) -> LockHolder:
        self.start()
        assert self.started.wait(5)
        return self

    def __exit__(self, *_: object) -> None:
        self.released.set()
        self.join()


def test_an_undo_met_by_a_held_lock_can_be_tried_again(db_path, settings, monkeypatch) -> None:
    """The lock is another process's for longer than the busy timeout: the undo fails
    (the screen says "Not saved"), and the session still holds the grade to take back."""
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 200)
    db = open_database(f"sqlite:///{db_path}")
    try:
        [card] = add_cards(db, 1)
        session = ReviewSession(db, settings)
        session.grade(4)
        with LockHolder(db_path, 10.0), pytest.raises(StoreError, match="busy"):
            session.undo()
        assert session.can_undo
        assert session.undo() == card
        log, state = log_and_card(db_path, card)
        assert log == [] and state == (250, 0, 0, None, 0, None)
    finally:
        db.close()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    content = tmp_path / "content"
    content.mkdir()
    monkeypatch.setenv("STUDYAPP_CONTENT", str(content))
    path = tmp_path / "busy.db"
    assert CliRunner().invoke(main, ["--db", str(path), "stats"]).exit_code == 0
    return path


def test_a_short_lock_is_waited_for(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The other writer holds the lock when the command starts and commits its own value
    after 0.6 s: the command succeeds, and its value is the last one, so it wrote after the
    other writer let go: it waited instead of failing. (A busy timeout of 10 minutes, so no
    machine is too slow for this; a lock never released would hang, not pass.)"""
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 600_000)
    other_write = "INSERT OR REPLACE INTO preferences (key, value) VALUES ('new_per_day', '7')"
    with LockHolder(cli_env, 0.6, other_write):
        result = CliRunner().invoke(main, ["--db", str(cli_env), "config", "new_per_day", "30"])
    assert result.exit_code == 0, result.output
    connection = sqlite3.connect(cli_env)
    assert connection.execute(
        "SELECT value FROM preferences WHERE key = 'new_per_day'"
    ).fetchone() == ("30",)
    connection.close()


def test_a_lock_held_past_the_timeout_is_one_plain_line(cli_env, monkeypatch) -> None:
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 300)
    with LockHolder(cli_env, 10.0):
        result = CliRunner().invoke(main, ["--db", str(cli_env), "config", "new_per_day", "30"])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "busy" in lines[0] and "another studyapp" in lines[0] and str(cli_env) in lines[0]
    assert "Traceback" not in result.output


def test_reading_needs_no_write_lock(cli_env: Path) -> None:
    """With nothing to sync, `stats` only reads: another process's write lock (WAL) does
    not hold it up. The lock is held and the busy timeout is 10 minutes, in a real second
    process with a 2-minute timeout: a read that waited for the lock would hang and fail."""
    env = {**os.environ, store_db.BUSY_TIMEOUT_ENV: "600000"}
    with LockHolder(cli_env, 600.0):
        result = subprocess.run(
            [sys.executable, "-m", "studyapp", "--db", str(cli_env), "stats", "--json"],
            capture_output=True, text=True, env=env, cwd=REPO, timeout=120,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["reviews_today"] == 0


def test_the_busy_timeout_can_be_set_for_a_process(cli_env: Path) -> None:
    """STUDYAPP_BUSY_TIMEOUT_MS, in a real second process: the message, no traceback."""
    env = {**os.environ, store_db.BUSY_TIMEOUT_ENV: "200"}
    with LockHolder(cli_env, 600.0):
        result = subprocess.run(
            [sys.executable, "-m", "studyapp", "--db", str(cli_env), "config", "new_per_day", "9"],
            capture_output=True, text=True, env=env, cwd=REPO, timeout=120,
        )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "busy" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    # It gave up after its own 0.2 s (the message states the timeout it used), not the
    # default 5 s; the lock is held for 10 minutes, so it did give up.
    assert "0.2 s" in result.stderr, result.stderr
