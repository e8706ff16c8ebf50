"""studyapp -> Anki with the real Anki library: the review log travels in the package, due
days land on the same day in every time zone, and the package comes back home."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from studyapp.config import FixedClock, Settings
from studyapp.review.cards import ReviewSession
from studyapp.store.models import Card, Review
from studyapp.transfer.anki import anki_ease
from studyapp.transfer.export import write_apkg
from tests.conftest import NOON
from tests.helpers import add_cards

anki_collection = pytest.importorskip("anki.collection")

ROOT = Path(__file__).resolve().parent.parent


def study_days(db: Any, days: int = 6) -> FixedClock:
    """A learner's week: every card due is graded each day, with same-day repeats and a
    lapse, so the log holds every grade 0-5, first sights, reviews and relearning."""
    clock = FixedClock(NOON)
    settings = Settings(clock=clock)
    grades = [4, 5, 3, 0, 2, 1, 4, 4, 5, 3]
    turn = 0
    for _ in range(days):
        session = ReviewSession(db, settings)
        while session.current is not None and session.done < 30:
            clock.advance(seconds=6.5)
            session.grade(grades[turn % len(grades)], duration_ms=1000 + 37 * turn)
            turn += 1
        clock.advance(days=1)
    return clock


def revlog_type(review: Review) -> int:
    """Anki's kind of answer: a first sight, a same-day repeat or an answer after a lapse is
    learning (0) or relearning (2, once the card has lapsed); anything else a review (1)."""
    if review.prev_due is None or review.repeat or review.prev_repetitions == 0:
        return 2 if review.prev_lapses else 0
    return 1


def package_collection(package: Path, folder: Path) -> sqlite3.Connection:
    """The SQLite collection inside a package, opened read-only."""
    with zipfile.ZipFile(package) as archive:
        archive.extract("collection.anki2", folder)
    return sqlite3.connect(folder / "collection.anki2")


def import_into_anki(package: Path, folder: Path) -> Any:
    folder.mkdir()
    col = anki_collection.Collection(str(folder / "collection.anki2"))
    col.import_anki_package(
        anki_collection.ImportAnkiPackageRequest(
            package_path=str(package),
            options=anki_collection.ImportAnkiPackageOptions(with_scheduling=True),
        )
    )
    return col


def test_sm2_grades_become_anki_buttons() -> None:
    assert [anki_ease(q) for q in range(6)] == [1, 1, 1, 2, 3, 4]


def test_every_grade_goes_into_the_package_review_log(db, tmp_path) -> None:
    add_cards(db, 6, deck="basics")
    study_days(db, days=8)
    with db.session() as session:
        logged = session.query(Review).filter(Review.kind == "card").order_by(Review.id).all()
        cards = {c.id: c for c in session.query(Card).all()}
        expected = [
            (
                r.item_id,
                round(r.reviewed_at.timestamp() * 1000),
                anki_ease(r.quality),
                r.interval,
                r.prev_interval,
                round(r.easiness * 1000),
                r.duration_ms,
                revlog_type(r),
            )
            for r in logged
        ]
    assert len(expected) > 12 and {row[2] for row in expected} == {1, 2, 3, 4}
    assert {row[7] for row in expected} == {0, 1, 2}
    package = tmp_path / "out.apkg"
    assert write_apkg(db, package) == 6

    col = import_into_anki(package, tmp_path / "anki")
    try:
        ids = {cid: col.get_card(cid).note()["Id"] for cid in col.find_cards("")}
        rows = col.db.all(
            "SELECT id, cid, ease, ivl, lastIvl, factor, time, type FROM revlog ORDER BY id"
        )
        reps = {ids[cid]: col.get_card(cid).reps for cid in ids}
    finally:
        col.close()
    arrived = [
        (ids[cid], revlog_id, ease, ivl, last, factor, time, kind)
        for revlog_id, cid, ease, ivl, last, factor, time, kind in rows
    ]
    assert arrived == expected
    assert len({row[1] for row in arrived}) == len(arrived)  # one id per grade
    for card_id, card in cards.items():
        assert reps[card_id] == sum(1 for row in expected if row[0] == card_id)
        assert card.due is not None


def test_grades_in_the_same_millisecond_keep_distinct_log_ids(db, tmp_path) -> None:
    add_cards(db, 3, deck="basics")
    settings = Settings(clock=FixedClock(NOON))  # the clock never moves
    session = ReviewSession(db, settings)
    while session.current is not None:
        session.grade(4)
    package = tmp_path / "same.apkg"
    write_apkg(db, package)
    with package_collection(package, tmp_path / "x") as connection:
        ids = [row[0] for row in connection.execute("SELECT id FROM revlog ORDER BY id")]
    start = round(NOON.timestamp() * 1000)
    assert ids == [start, start + 1, start + 2]


def test_the_package_carries_the_learners_day_rollover(db, tmp_path) -> None:
    add_cards(db, 1)
    package = tmp_path / "roll.apkg"
    write_apkg(db, package, rollover_hour=2)
    with package_collection(package, tmp_path / "x") as connection:
        conf = json.loads(connection.execute("SELECT conf FROM col").fetchone()[0])
    assert (conf["rollover"], conf["creationOffset"], conf["schedVer"]) == (2, 0, 2)


ZONES = ("Pacific/Auckland", "Pacific/Kiritimati", "America/Los_Angeles")
MOMENTS = ("", "2026-12-06 03:30:00", "2026-12-06 04:30:00", "2026-07-01 23:50:00")
"""Now, and (where faketime is installed) just before and after the rollover and late at night
in summer and winter."""


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("rollover", [4, 0])
def test_due_days_are_the_same_in_anki_in_every_zone(zone, moment, rollover) -> None:
    command = [sys.executable, "-m", "tests.anki_zone_check", str(rollover)]
    if moment:
        faketime = shutil.which("faketime")
        if faketime is None:
            pytest.skip("faketime is not installed")
        command = [faketime, "-f", f"@{moment}", *command]
    result = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "TZ": zone},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen["anki"] == seen["ours"], seen["now"]


def test_our_package_imported_back_restores_the_schedule(db, tmp_path, template_db) -> None:
    add_cards(db, 3, deck="basics")
    study_days(db, days=4)
    with db.session() as session:
        before = {
            c.id: (c.easiness, c.repetitions, c.interval, c.due, c.lapses, c.suspended)
            for c in session.query(Card).all()
        }
        logged = session.query(Review).filter(Review.kind == "card").count()
    package = tmp_path / "home.apkg"
    write_apkg(db, package)
    fresh_path = tmp_path / "fresh.db"
    shutil.copy(template_db, fresh_path)
    from studyapp.store import open_database

    fresh = open_database(f"sqlite:///{fresh_path}")
    try:
        from studyapp.collection import Collection
        from studyapp.config import Settings
        from studyapp.transfer.anki_read import read_collection

        Collection(fresh, Settings()).import_anki(read_collection(package), package)
        with fresh.session() as session:
            after = {
                c.id: (c.easiness, c.repetitions, c.interval, c.due, c.lapses, c.suspended)
                for c in session.query(Card).all()
            }
            imported = session.query(Review).filter(Review.kind == "card").count()
    finally:
        fresh.close()
    assert after == before
    assert imported == logged > 0


def test_the_export_reports_its_progress_up_to_every_card(db, tmp_path) -> None:
    add_cards(db, 5, deck="basics")
    seen: list[tuple[int, int]] = []
    write_apkg(db, tmp_path / "p.apkg", progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (5, 5)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_the_cli_shows_a_progress_bar_on_stderr_once_an_export_is_slow(
    tmp_path, monkeypatch
) -> None:
    from click.testing import CliRunner

    from studyapp import cli

    content = tmp_path / "content"
    content.mkdir()
    monkeypatch.setenv("STUDYAPP_CONTENT", str(content))
    monkeypatch.setenv("STUDYAPP_DB", str(tmp_path / "cli.db"))
    out = tmp_path / "out.apkg"
    fast = CliRunner().invoke(cli.main, ["export", "--format", "apkg", "-o", str(out)])
    assert fast.exit_code == 0, fast.output
    assert "Writing" not in fast.stderr
    monkeypatch.setattr(cli, "PROGRESS_AFTER_SECONDS", 0.0)  # every export counts as slow
    slow = CliRunner().invoke(cli.main, ["export", "--format", "apkg", "-o", str(out)])
    assert slow.exit_code == 0, slow.output
    assert "Writing out.apkg" in slow.stderr and "wrote 0 cards" in slow.stdout
