"""Drill sessions: each topic an SM-2 item, every attempt stored, grades derived and
overridable, unreadable input never graded."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from studyapp.decks.sync import sync_topics
from studyapp.drills.base import show
from studyapp.review.drilling import DrillSession, derived_quality
from studyapp.schedulers.sm2 import Sm2State
from studyapp.store import open_database
from studyapp.store.errors import GradeSuperseded
from studyapp.store.models import DrillAttempt, DrillTopic, Review
from studyapp.store.rows import state_of
from tests.helpers import assert_totals_match_log

TODAY = date(2026, 3, 10)


def right_answer(problem) -> str:
    return show(problem.answer, digits=10).strip("[]")


def topic_state(db, topic_id):
    with db.session() as session:
        return state_of(session.get(DrillTopic, topic_id))


def attempts(db):
    with db.session() as session:
        return session.scalars(select(DrillAttempt).order_by(DrillAttempt.id)).all()


def test_derived_grades() -> None:
    assert derived_quality("correct", False) == 5
    assert derived_quality("correct", True) == 3
    assert derived_quality("wrong", False) == 1
    assert derived_quality("gave_up", True) == 0


def test_unreadable_then_wrong_then_right_with_a_fresh_instance(db, settings) -> None:
    session = DrillSession(db, settings, topic_ids=["softmax"], seed=11)
    first = session.problem
    verdict = session.submit("what is this")
    assert verdict.outcome == "unreadable" and verdict.message
    assert attempts(db) == [] and session.record is None
    wrong = ", ".join(["0.9"] * len(first.answer))
    verdict = session.submit(wrong)
    assert verdict.outcome == "wrong"
    assert session.record.quality == 1
    state = topic_state(db, "softmax")
    assert (state.repetitions, state.interval, state.due) == (0, 1, TODAY + timedelta(days=1))
    second = session.next()
    assert second.topic == "softmax" and second.seed != first.seed
    assert session.submit(right_answer(second)).outcome == "correct"
    assert session.record.repeat  # same day: logged, no second reschedule
    assert topic_state(db, "softmax") == state
    rows = attempts(db)
    assert [(a.outcome, a.correct, a.seed) for a in rows] == [
        ("wrong", False, first.seed),
        ("correct", True, second.seed),
    ]
    assert json.loads(rows[0].inputs) == first.inputs
    assert json.loads(rows[0].expected) == first.answer
    assert rows[0].typed == wrong


def test_format_and_shape_slips_are_not_recorded(db, settings) -> None:
    session = DrillSession(db, settings, topic_ids=["softmax"], seed=11)
    entries = [f"{x:.4f}" for x in session.problem.answer]
    for typed in (" ".join(entries), ", ".join(entries[:-1]), "0,5"):
        verdict = session.submit(typed)
        assert verdict.outcome == "unreadable" and verdict.message, typed
    assert attempts(db) == [] and session.record is None
    assert session.submit(", ".join(entries)).outcome == "correct"


def test_an_answer_cut_short_and_a_give_away_are_not_recorded(db, settings) -> None:
    from studyapp.drills.digits import digits_needed

    session = DrillSession(db, settings, topic_ids=["softmax"], seed=11)
    problem = session.problem
    needed = digits_needed(problem.answer, problem.tolerance)
    assert needed > 1
    short = ", ".join(f"{x:.{needed - 2}e}" for x in problem.answer)
    verdict = session.submit(short)
    assert verdict.outcome == "unreadable" and "type more digits" in verdict.message
    assert attempts(db) == [] and session.record is None
    assert session.submit(right_answer(problem)).outcome == "correct"

    for seed in range(11, 80):  # the first seed whose activation has a give-away
        session = DrillSession(db, settings, topic_ids=["activation"], seed=seed)
        if session.problem.giveaways:
            break
    name, z = session.problem.giveaways[0], session.problem.inputs["z"]
    verdict = session.submit(f"{name}({z}, 0)" if name == "max" else f"{name}({z})")
    assert verdict.outcome == "unreadable" and name in verdict.message
    assert len(attempts(db)) == 1 and session.record is None


def test_an_overflowing_answer_is_not_recorded(db, settings) -> None:
    session = DrillSession(db, settings, topic_ids=["softmax"], seed=11)
    verdict = session.submit(", ".join(["1/1e-320"] * len(session.problem.answer)))
    assert verdict.outcome == "unreadable" and "too large" in verdict.message
    assert attempts(db) == [] and session.record is None


def test_hint_lowers_the_grade_and_override_replaces_it(db, settings) -> None:
    session = DrillSession(db, settings, topic_ids=["mse"], seed=5)
    assert session.hint() == session.problem.steps[0]
    session.submit(right_answer(session.problem))
    assert session.record.quality == 3 and attempts(db)[0].hint_used
    assert topic_state(db, "mse").easiness == 2.36
    session.override(5)
    state = topic_state(db, "mse")
    assert (state.easiness, state.repetitions, state.interval) == (2.6, 1, 1)
    with db.session() as s:
        assert s.scalar(select(Review.quality)) == 5
    with db.engine.connect() as connection:
        assert_totals_match_log(connection.connection.driver_connection)


def test_override_is_refused_once_the_topic_was_drilled_again_elsewhere(
    db, db_path, settings
) -> None:
    """Changing this attempt's grade would recompute the topic from before both attempts
    and overwrite the other terminal's: refused, nothing changes."""
    other = open_database(f"sqlite:///{db_path}")
    try:
        mine = DrillSession(db, settings, topic_ids=["mse"], seed=5)
        theirs = DrillSession(other, settings, topic_ids=["mse"], seed=6)
        mine.submit(right_answer(mine.problem))
        theirs.give_up()
        state = topic_state(db, "mse")
        with db.session() as s:
            logged = [(r.id, r.quality, r.interval) for r in s.scalars(select(Review))]
        with pytest.raises(GradeSuperseded, match="drilled again elsewhere"):
            mine.override(1)
        assert topic_state(db, "mse") == state and mine.record.quality == 5
        with db.session() as s:
            assert [(r.id, r.quality, r.interval) for r in s.scalars(select(Review))] == logged
        theirs.override(2)  # the latest grade of the topic can still be changed
        assert topic_state(db, "mse").repetitions == 0
    finally:
        other.close()
    with db.engine.connect() as connection:
        assert_totals_match_log(connection.connection.driver_connection)


def test_giving_up_is_a_zero_and_shows_the_solution(db, settings) -> None:
    session = DrillSession(db, settings, topic_ids=["neuron"], seed=2)
    record = session.give_up()
    assert (record.outcome, record.quality) == ("gave_up", 0)
    assert attempts(db)[0].outcome == "gave_up"


def test_due_topics_come_first_then_new_ones(db, settings) -> None:
    sync_topics(db, [("softmax", "s"), ("mse", "m"), ("neuron", "n")])
    with db.session() as s, s.begin():
        s.get(DrillTopic, "neuron").due = TODAY - timedelta(days=2)
        s.get(DrillTopic, "neuron").repetitions = 1
        s.get(DrillTopic, "mse").due = TODAY + timedelta(days=3)
    session = DrillSession(db, settings, seed=1)
    assert list(session.queue)[:2] == ["neuron", "softmax"]
    assert "mse" not in session.queue
    assert session.problem.topic == "neuron"


def test_a_wrong_topic_comes_back_in_the_same_session(db, settings) -> None:
    sync_topics(db, [("softmax", "s"), ("mse", "m")])
    session = DrillSession(db, settings, seed=4)
    assert session.problem.topic == "mse"
    session.submit("12345")
    session.next()
    assert session.problem.topic == "softmax"
    session.submit(right_answer(session.problem))
    session.next()
    assert session.problem.topic == "mse"  # below 4: again
    session.submit(right_answer(session.problem))
    assert session.next() is None


def test_a_new_topic_starts_from_the_default_state(db) -> None:
    sync_topics(db, [("softmax", "Softmax")])
    assert topic_state(db, "softmax") == Sm2State()


def test_stored_topic_titles_follow_the_registry(db) -> None:
    from studyapp.collection import Collection
    from studyapp.config import Settings
    from studyapp.drills import registry

    old = "Scaled dot-product attention softmax(Q·Kᵀ/√d_k)·V, rows are positions"
    sync_topics(db, [("attention", old)])
    Collection(db, Settings()).sync_topics()
    with db.session() as session:
        stored = dict(session.execute(select(DrillTopic.id, DrillTopic.title)).all())
    assert stored["attention"] == "Scaled dot-product attention"
    assert stored == {t.id: t.title for t in registry().values()}


def test_stepwise_grades_follow_the_first_wrong_step() -> None:
    assert derived_quality("wrong", False, one_slip=True) == 2
    assert derived_quality("correct", False, step_wrong=True) == 4
    assert derived_quality("correct", True, step_wrong=True) == 3


def _engine_steps(problem) -> dict[str, str]:
    return {point.name: show(point.value, 10) for point in problem.checkpoints}


def test_a_worked_answer_with_one_early_slip_is_graded_once(db, settings) -> None:
    session = DrillSession(db, settings, topic_ids=["chain_rule"], seed=3)
    problem = session.problem
    points = {p.name: p for p in problem.checkpoints}
    a1 = points["a1"].value + 0.1
    earlier = {"z1": points["z1"].value, "a1": a1}
    earlier["z2"] = points["z2"].recompute(earlier)
    earlier["y_hat"] = points["y_hat"].recompute(earlier)
    answer = points["answer"].recompute(earlier)
    typed = {name: show(value, 10) for name, value in {**earlier, "answer": answer}.items()}
    verdict = session.submit(typed)
    assert [s.status for s in verdict.steps] == ["right", "wrong", "carried", "carried", "carried"]
    assert verdict.first_wrong.name == "a1" and "a1" in verdict.message
    assert session.record.quality == 2 == session.record.derived
    row = attempts(db)[0]
    assert row.outcome == "wrong" and row.typed.startswith("z1=") and "; a1=" in row.typed


def test_an_unreadable_step_grades_nothing_and_a_missing_answer_is_asked_for(db, settings) -> None:
    session = DrillSession(db, settings, topic_ids=["chain_rule"], seed=3)
    steps = _engine_steps(session.problem)
    verdict = session.submit({**steps, "a1": "0,44"})
    assert verdict.outcome == "unreadable" and verdict.message.startswith("a1:")
    verdict = session.submit({**steps, "answer": ""})
    assert verdict.outcome == "unreadable" and "final answer" in verdict.message
    assert attempts(db) == [] and session.record is None
    assert session.submit(steps).outcome == "correct"
    assert session.record.quality == 5
