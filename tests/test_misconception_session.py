"""Misconceptions in drill sessions: a slip the learner makes is recorded with its
checkpoint, comes back later in the session and on the next days as a problem drawn to
tempt it, and is resolved after three avoidances in a row; undo takes it all back."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from studyapp.drills.base import show
from studyapp.progress.today import home_counts
from studyapp.review.drilling import DrillSession
from studyapp.review.misconceptions import LATER_IN_SESSION, RESOLVED_AFTER
from studyapp.review.queues import Tempting
from studyapp.store.models import DrillAttempt, MisconceptionRow

TODAY = date(2026, 3, 10)
SIGN = "sigmoid.exponent_sign"
OTHERS = ["mse", "softmax", "neuron", "bce"]


def right(problem) -> str:
    return show(problem.answer, digits=10).strip("[]")


def text(value) -> str:
    return show(value, digits=10).strip("[]")


def worked_with_slip(problem, at: str, slip: str) -> dict[str, str]:
    """Every checkpoint filled: the slip's value at `at`, every later one computed right
    from it (carried)."""
    values: dict[str, object] = {}
    for point in problem.checkpoints:
        if point.name == at:
            values[at] = next(s.value for s in point.slips if s.id == slip)
        else:
            values[point.name] = point.recompute(values)
    return {name: text(value) for name, value in values.items()}


def offers(problem, slip: str) -> bool:
    return any(s.id == slip for point in problem.checkpoints for s in point.slips)


def chain_session(db, settings, seed: int = 3) -> DrillSession:
    """A session on chain_rule then other topics, at a chain_rule problem offering SIGN."""
    for attempt in range(seed, seed + 50):
        session = DrillSession(db, settings, topic_ids=["chain_rule", *OTHERS], seed=attempt)
        if offers(session.problem, SIGN):
            return session
    raise AssertionError("no chain_rule problem offers the sign slip")


def mistake(db, slip: str = SIGN) -> MisconceptionRow | None:
    with db.session() as session:
        return session.get(MisconceptionRow, slip)


def answer_until_tempting(session: DrillSession, limit: int = 12) -> int:
    """Answer every problem right until one tempts a mistake; how many were answered."""
    for count in range(limit):
        if session.tempting is not None:
            return count
        assert session.problem is not None
        session.submit(right(session.problem))
        session.next()
    raise AssertionError("no tempting problem came")


def test_a_slip_is_recorded_by_checkpoint_and_comes_back_later_in_the_session(db, settings) -> None:
    session = chain_session(db, settings)
    verdict = session.submit(worked_with_slip(session.problem, "a1", SIGN))
    assert verdict.slips.get("a1") == SIGN
    with db.session() as s:
        (attempt,) = s.scalars(select(DrillAttempt)).all()
    assert json.loads(attempt.slips)["a1"] == SIGN
    found = mistake(db)
    assert (found.status, found.seen, found.due, found.topic_id) == (
        "active",
        1,
        TODAY,
        "chain_rule",
    )
    assert home_counts(db, settings).mistakes_due == 1
    session.next()
    assert answer_until_tempting(session) == LATER_IN_SESSION - 1
    assert session.problem.topic == "chain_rule" and offers(session.problem, SIGN)
    assert session.problem.prompt.startswith("A mistake to unlearn: computed σ(z)")
    session.submit(right(session.problem))
    found = mistake(db)
    assert (found.avoided_run, found.due) == (1, TODAY + timedelta(days=1))
    assert home_counts(db, settings).mistakes_due == 0
    assert home_counts(db, settings).mistakes_active == 1


def test_a_one_line_answer_that_matches_a_slip_records_it_at_answer(db, settings) -> None:
    session = DrillSession(db, settings, topic_ids=["chain_rule"], seed=5)
    slip = session.problem.slips[0]
    session.submit(text(slip.value))
    with db.session() as s:
        (attempt,) = s.scalars(select(DrillAttempt)).all()
    assert json.loads(attempt.slips) == {"answer": slip.id}
    assert mistake(db, slip.id).status == "active"


def test_spaced_over_days_then_resolved_after_three_avoidances(db, settings, clock) -> None:
    session = chain_session(db, settings)
    session.submit(worked_with_slip(session.problem, "a1", SIGN))
    session.next()
    answer_until_tempting(session)
    session.submit(right(session.problem))  # day 0, later in the session: 1
    for day, run in ((1, 2), (4, RESOLVED_AFTER)):
        clock.advance(days=day - (clock.now().date() - TODAY).days)
        assert home_counts(db, settings).mistakes_due == 1
        later = DrillSession(db, settings, seed=day)
        assert any(isinstance(e, Tempting) and e.slip == SIGN for e in later.queue)
        while mistake(db).avoided_run < run:
            assert later.problem is not None, "the mistake's turn never came"
            later.submit(right(later.problem))
            later.next()
    found = mistake(db)
    assert (found.status, found.due, found.seen) == ("resolved", None, 1)
    assert home_counts(db, settings).mistakes_active == 0


def test_making_it_again_starts_the_run_over(db, settings, clock) -> None:
    session = chain_session(db, settings)
    session.submit(worked_with_slip(session.problem, "a1", SIGN))
    session.next()
    answer_until_tempting(session)
    session.submit(worked_with_slip(session.problem, "a1", SIGN))
    found = mistake(db)
    assert (found.seen, found.avoided_run, found.due) == (2, 0, TODAY)
    session.next()  # it comes back once more, a few items on
    assert answer_until_tempting(session) == LATER_IN_SESSION - 1


def test_a_practice_before_it_is_due_does_not_count(db, settings) -> None:
    session = chain_session(db, settings)
    session.submit(worked_with_slip(session.problem, "a1", SIGN))
    session.next()
    answer_until_tempting(session)
    session.submit(right(session.problem))
    again = chain_session(db, settings, seed=40)  # the same day: due tomorrow
    again.submit(right(again.problem))
    assert mistake(db).avoided_run == 1


def test_undo_takes_back_the_slip_and_its_return(db, settings) -> None:
    session = chain_session(db, settings)
    queue = list(session.queue)
    problem = session.problem
    session.submit(worked_with_slip(problem, "a1", SIGN))
    session.undo()
    assert mistake(db) is None and session.record is None and session.problem is problem
    assert list(session.queue) == queue and session.mistakes == {}
    with db.session() as s:
        assert s.scalars(select(DrillAttempt)).all() == []
    session.submit(right(problem))
    assert mistake(db) is None


def test_undo_of_an_avoidance_puts_the_mistake_back_as_it_was(db, settings) -> None:
    session = chain_session(db, settings)
    session.submit(worked_with_slip(session.problem, "a1", SIGN))
    session.next()
    answer_until_tempting(session)
    before = mistake(db)
    session.submit(right(session.problem))
    session.undo()
    after = mistake(db)
    assert (after.avoided_run, after.due, after.last_attempt) == (
        before.avoided_run,
        before.due,
        before.last_attempt,
    )
    assert session.mistakes[SIGN].is_due(TODAY)


def test_nothing_to_undo_before_an_answer(db, settings) -> None:
    session = DrillSession(db, settings, topic_ids=["mse"], seed=1)
    with pytest.raises(LookupError):
        session.undo()


def test_the_plan_lists_a_mistake_due_in_the_drill_sessions_order(db, settings) -> None:
    from studyapp.collection import Collection

    session = chain_session(db, settings)
    session.submit(worked_with_slip(session.problem, "a1", SIGN))
    plan = Collection(db, settings).plan()
    turns = [t for t in plan.topics if t.kind == "mistake"]
    assert [(t.id, t.mistake) for t in turns] == [("chain_rule", SIGN)]
    kinds = [t.kind for t in plan.topics]
    assert kinds == sorted(kinds, key=["due", "mistake", "new"].index)
    listed = [t for t in plan.to_json()["topics"] if t["kind"] == "mistake"]
    assert listed == [
        {
            "id": "chain_rule",
            "title": turns[0].title,
            "level": 1,
            "kind": "mistake",
            "mistake": SIGN,
        }
    ]
