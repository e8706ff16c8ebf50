"""FSRS beside SM-2 (issue 17): the day-based scheduler equals the fsrs package's own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fsrs import Card, Rating, Scheduler

from studyapp.schedulers import fsrs

START = date(2026, 1, 5)

SEQUENCES = [
    # (days after the previous grade, quality): the first gap is from START
    [(0, 4), (1, 4), (3, 4), (8, 5), (21, 4), (60, 4)],
    [(0, 0), (1, 2), (1, 3), (2, 4), (5, 1), (1, 4), (4, 4)],
    [(0, 5), (15, 5), (40, 5), (120, 5), (400, 5), (1200, 5), (3000, 5)],
    [(0, 3), (2, 3), (3, 3), (5, 0), (1, 3), (2, 5), (9, 2), (1, 4)],
    [(0, 1), (1, 1), (1, 1), (1, 1), (1, 4)],
    [(0, 4), (10, 0), (30, 0), (2, 5), (365, 3)],
]


def _package(sequence: list[tuple[int, int]], retention: float) -> list[tuple[float, float, int]]:
    """(S, D, interval in days) after each grade, through py-fsrs with no steps or fuzz."""
    scheduler = Scheduler(
        desired_retention=retention, learning_steps=(), relearning_steps=(), enable_fuzzing=False
    )
    card = Card()
    moment = datetime(START.year, START.month, START.day, tzinfo=UTC)
    out = []
    for gap, quality in sequence:
        moment += timedelta(days=gap)
        card, _ = scheduler.review_card(card, Rating(fsrs.rating_for(quality)), moment)
        assert card.stability is not None and card.difficulty is not None
        out.append((card.stability, card.difficulty, (card.due - moment).days))
    return out


@pytest.mark.parametrize("retention", [0.9, 0.8, 0.95])
@pytest.mark.parametrize("sequence", SEQUENCES)
def test_states_and_intervals_equal_the_fsrs_package(
    sequence: list[tuple[int, int]], retention: float
) -> None:
    expected = _package(sequence, retention)
    state, day = None, START
    for (gap, quality), (s, d, interval) in zip(sequence, expected, strict=True):
        day += timedelta(days=gap)
        state = fsrs.review(state, quality, day, retention=retention)
        assert state.stability == pytest.approx(s, rel=1e-12)
        assert state.difficulty == pytest.approx(d, rel=1e-12)
        assert (state.due - day).days == interval


def test_replay_skips_same_day_repeats_and_starts_afresh_after_a_reset() -> None:
    log = [
        fsrs.Graded(START, 2),
        fsrs.Graded(START, 3, repeat=True),
        fsrs.Graded(START, 4, repeat=True),
        fsrs.Graded(START + timedelta(days=1), 4),
    ]
    direct = fsrs.review(fsrs.review(None, 2, START), 4, START + timedelta(days=1))
    assert fsrs.replay(log) == direct
    reset = [*log, fsrs.Graded(START + timedelta(days=9), 5, fresh=True)]
    assert fsrs.replay(reset) == fsrs.review(None, 5, START + timedelta(days=9))


def test_grades_map_to_ratings() -> None:
    assert [fsrs.rating_for(q) for q in range(6)] == [1, 1, 1, 2, 3, 4]
    with pytest.raises(ValueError):
        fsrs.rating_for(6)


def test_preview_matches_what_each_grade_gives() -> None:
    state = fsrs.review(None, 4, START)
    later = START + timedelta(days=3)
    shown = fsrs.preview_intervals(state, later)
    for quality, days in shown.items():
        assert (fsrs.review(state, quality, later).due - later).days == days
    assert shown[0] <= shown[3] <= shown[4] <= shown[5]


def test_check_parameters_refuses_out_of_bounds() -> None:
    assert fsrs.check_parameters(fsrs.default_parameters()) == fsrs.default_parameters()
    with pytest.raises(ValueError):
        fsrs.check_parameters([0.1] * 20)
    with pytest.raises(ValueError):
        fsrs.check_parameters([*fsrs.default_parameters()[:20], 5.0])


def test_the_batch_replay_equals_the_item_by_item_replay() -> None:
    import random

    import numpy as np

    from studyapp.schedulers.fsrs_batch import replay_batch

    rng = random.Random(5)
    logs: dict[int, list[fsrs.Graded]] = {}
    rows = []
    for step in range(3000):  # interleaved items, as a log is
        item = rng.randrange(150)
        log = logs.setdefault(item, [])
        day = (log[-1].day if log else START) + timedelta(days=rng.choice((0, 1, 2, 5, 13, 40)))
        graded = fsrs.Graded(day, rng.randrange(6), fresh=bool(log) and rng.random() < 0.02)
        log.append(graded)
        rows.append((item, day.toordinal(), graded.quality, graded.fresh or not log[:-1], step))
    weights = (0.3, 1.1, 2.5, 7.0, *fsrs.default_parameters()[4:])
    item, day, quality, fresh, _ = (np.array(column) for column in zip(*rows, strict=True))
    replayed = replay_batch(item, day, quality, fresh, weights)
    for row in replayed.last_of_items():
        expected = fsrs.replay(logs[int(replayed.item[row])], weights)
        assert expected is not None
        assert replayed.stability[row] == pytest.approx(expected.stability, rel=1e-9)
        assert replayed.difficulty[row] == pytest.approx(expected.difficulty, rel=1e-9)
        assert date.fromordinal(int(replayed.day[row])) == expected.last_review
