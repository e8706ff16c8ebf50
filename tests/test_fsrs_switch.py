"""Switching between SM-2 and FSRS (issue 17): FSRS's state derived from the log equals a
replay through the fsrs package, SM-2's state stays exact, and grades, undo and overrides
keep both in step."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from fsrs import Card as PackageCard
from fsrs import Rating, Scheduler
from sqlalchemy import select

from studyapp.config import Settings
from studyapp.review.cards import ReviewSession, reset_card
from studyapp.review.fsrs_state import derive, stored_state
from studyapp.schedulers import fsrs, sm2
from studyapp.store.models import Card, Review
from studyapp.store.rows import state_of
from tests.helpers import add_cards

GRADES = {"basics-000": [4, 4, 3, 5], "basics-001": [2, 4, 4, 4], "basics-002": [5, 0, 4, 4]}


def states(db) -> dict[str, sm2.Sm2State]:
    with db.session() as session:
        return {c.id: state_of(c) for c in session.scalars(select(Card))}


def fsrs_settings(db, settings: Settings, scheduler: str = "fsrs") -> Settings:
    with db.reading() as reader:
        return fsrs.with_bookkeeping(
            replace(settings, scheduler=scheduler), reader.all("preferences")
        )


def study(db, settings: Settings, days: int) -> None:
    """Review whatever is due for `days` days, the card's planned grade each time (a grade
    below 4 comes back the same day; the re-ask is graded 4)."""
    planned = {card: list(grades) for card, grades in GRADES.items()}
    for _ in range(days):
        session = ReviewSession(db, settings)
        while session.current is not None:
            card = session.current.id
            quality = 4 if session.is_repeat else (planned[card].pop(0) if planned[card] else 4)
            session.grade(quality)
        settings.clock.advance(days=1)  # type: ignore[attr-defined]


def package_replay(db, card_id: str) -> PackageCard:
    scheduler = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
    card = PackageCard()
    with db.session() as session:
        logged = session.execute(
            select(Review.day, Review.quality, Review.repeat)
            .where(Review.item_id == card_id)
            .order_by(Review.id)
        ).all()
    for day, quality, repeat in logged:
        if not repeat:
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            card, _ = scheduler.review_card(card, Rating(fsrs.rating_for(quality)), moment)
    return card


def test_switching_derives_fsrs_like_the_package_and_keeps_sm2_exact(db, settings) -> None:
    add_cards(db, 3)
    study(db, settings, 30)
    before = states(db)
    derive(db, settings)
    assert states(db) == before
    for card_id in GRADES:
        mine = stored_state(db, "card", card_id, before[card_id])
        theirs = package_replay(db, card_id)
        assert mine is not None and theirs.stability is not None
        assert abs(mine.stability - theirs.stability) < 1e-9
        assert abs(mine.difficulty - theirs.difficulty) < 1e-9
        assert mine.due == theirs.due.date()


def test_grades_under_fsrs_keep_both_states_and_switching_back_loses_nothing(db, settings) -> None:
    add_cards(db, 3)
    study(db, settings, 10)
    derive(db, settings)
    on_fsrs = fsrs_settings(db, settings)
    assert on_fsrs.fsrs_tracked
    study(db, on_fsrs, 40)
    # SM-2's state is still what SM-2 gives from the log; FSRS's what the package gives
    with db.session() as session:
        logged = session.execute(select(Review).order_by(Review.id)).scalars().all()
        replayed: dict[str, sm2.Sm2State] = {}
        for row in logged:
            if not row.repeat:
                start = replayed.get(row.item_id, sm2.Sm2State())
                replayed[row.item_id] = sm2.review(start, row.quality, row.day)
    now = states(db)
    assert {k: now[k] for k in replayed} == replayed
    for card_id in GRADES:
        mine = stored_state(db, "card", card_id, now[card_id])
        assert mine is not None and mine.due == package_replay(db, card_id).due.date()
    back = fsrs_settings(db, settings, "sm2")
    session = ReviewSession(db, back)
    assert session.queue == ReviewSession(db, back).queue
    assert states(db) == now


def test_undo_restores_fsrs_state_exactly_and_reset_clears_it(db, settings) -> None:
    add_cards(db, 1)
    study(db, settings, 3)
    derive(db, settings)
    on_fsrs = fsrs_settings(db, settings)
    on_fsrs.clock.advance(days=5)  # type: ignore[attr-defined]
    card_id = "basics-000"
    sm2_before = states(db)[card_id]
    fsrs_before = stored_state(db, "card", card_id, sm2_before)
    session = ReviewSession(db, on_fsrs)
    shown = session.intervals()
    session.grade(5)
    after = states(db)[card_id]
    moved = stored_state(db, "card", card_id, after)
    assert moved is not None and moved != fsrs_before
    assert (moved.due - moved.last_review).days == shown[5]
    session.undo()
    assert states(db)[card_id] == sm2_before
    assert stored_state(db, "card", card_id, sm2_before) == fsrs_before
    reset_card(db, card_id)
    with db.session() as s:
        assert s.get(Card, card_id).fsrs_due is None


def test_fsrs_queue_follows_fsrs_due_days(db, settings) -> None:
    add_cards(db, 3)
    study(db, settings, 5)
    derive(db, settings)
    on_fsrs = fsrs_settings(db, settings)
    with db.session() as session:
        due = {c.id: c.fsrs_due for c in session.scalars(select(Card))}
    later = max(d for d in due.values() if d is not None)
    on_fsrs.clock.current = datetime.combine(later, on_fsrs.clock.now().timetz())  # type: ignore[attr-defined]
    today = on_fsrs.today()
    expected = sorted(c for c, d in due.items() if d is not None and d <= today)
    assert sorted(ReviewSession(db, on_fsrs).queue) == expected
    assert today - timedelta(days=0) == later


def test_cli_config_switches_scheduler_and_warns_on_high_retention(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from studyapp.cli import main

    monkeypatch.setenv("STUDYAPP_DB", str(tmp_path / "cli.db"))
    runner = CliRunner()
    shown = runner.invoke(main, ["config"])
    assert "scheduler" in shown.output and "desired_retention" in shown.output
    assert runner.invoke(main, ["config", "scheduler", "fsrs"]).output.strip() == "scheduler = fsrs"
    assert "fsrs" in runner.invoke(main, ["config"]).output
    warned = runner.invoke(main, ["config", "desired_retention", "0.97"])
    assert warned.exit_code == 0 and "warning:" in warned.output
    assert "reviews" in warned.output
    quiet = runner.invoke(main, ["config", "desired_retention", "0.9"])
    assert "warning" not in quiet.output
    refused = runner.invoke(main, ["config", "desired_retention", "1.5"])
    assert refused.exit_code != 0 and "between 0.7 and 0.99" in refused.output
    assert runner.invoke(main, ["config", "scheduler", "anki"]).exit_code != 0


def test_stats_json_carries_calibration_for_both_schedulers(
    db, db_path, settings, monkeypatch
) -> None:
    import json

    from click.testing import CliRunner

    from studyapp.cli import main

    add_cards(db, 3)
    study(db, settings, 40)
    monkeypatch.setenv("STUDYAPP_DB", str(db_path))
    out = CliRunner().invoke(main, ["stats", "--json"])
    assert out.exit_code == 0, out.output
    found = json.loads(out.output)["calibration"]
    assert found["reviews"] > 5
    for name in ("sm2", "fsrs"):
        assert 0 < found[name]["log_loss"] < 5
        assert 0 <= found[name]["rmse_bins"] <= 1
        assert sum(b["reviews"] for b in found[name]["bins"]) == found["reviews"]
    assert found["fsrs"]["parameters"] == "default" and found["fsrs"]["fitted"] is None
    assert found["retention"]["desired"] == 0.9
    text = CliRunner().invoke(main, ["stats"]).output
    assert "Calibration" in text and "SM-2" in text and "FSRS (FSRS's defaults)" in text


def test_a_restored_backup_on_fsrs_gets_its_fsrs_state_derived(db, db_path, settings) -> None:
    from studyapp.collection import Collection
    from studyapp.transfer.restore import check_document

    add_cards(db, 3)
    study(db, settings, 12)
    collection = Collection(db, settings)
    collection.set_preference("scheduler", "fsrs")
    document = collection.export_json()
    with db.session() as session:
        kept = {c.id: c.fsrs_due for c in session.scalars(select(Card))}
    assert any(kept.values())
    collection.restore(check_document(document), replace=True)
    assert collection.settings.scheduler == "fsrs" and collection.settings.fsrs_tracked
    with db.session() as session:
        assert {c.id: c.fsrs_due for c in session.scalars(select(Card))} == kept


def test_the_stats_forecast_follows_the_active_scheduler(db, settings) -> None:
    from studyapp.progress.stats import stats_data

    add_cards(db, 3)
    study(db, settings, 6)
    derive(db, settings)
    with db.session() as session:
        cards = list(session.scalars(select(Card)))
        by_sm2 = sorted(c.due for c in cards if c.due is not None)
        by_fsrs = sorted(c.fsrs_due for c in cards if c.fsrs_due is not None)
    assert by_sm2 != by_fsrs

    def forecast_days(chosen: Settings) -> list:
        return [day for day, n in stats_data(db, chosen).forecast for _ in range(n)]

    today = settings.today()
    assert forecast_days(settings) == sorted(max(d, today) for d in by_sm2)
    on_fsrs = fsrs_settings(db, settings)
    assert forecast_days(on_fsrs) == sorted(max(d, today) for d in by_fsrs)


def test_an_anki_import_into_a_collection_on_fsrs_gets_fsrs_state(db, settings, tmp_path) -> None:
    from studyapp.collection import Collection
    from studyapp.store import open_database
    from studyapp.transfer.anki_read import read_collection

    add_cards(db, 3)
    study(db, settings, 12)
    package = tmp_path / "out.apkg"
    Collection(db, settings).write_apkg(package)
    other = open_database(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        target = Collection(other, settings)
        target.set_preference("scheduler", "fsrs")
        assert target.settings.fsrs_tracked
        target.import_anki(read_collection(package), package)
        with other.session() as session:
            cards = list(session.scalars(select(Card)))
        assert cards and all(c.fsrs_due is not None for c in cards if c.due is not None)
    finally:
        other.close()
