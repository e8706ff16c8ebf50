"""SM-2 scheduler: hand-worked sequences, float traps, grade validation, and properties.

Every expected number below was worked out by hand from the SM-2 rules
(EF' = EF + 0.1 - (5 - q)(0.08 + (5 - q) * 0.02), floor 1.3; I = 1, 6, then ceil(I * EF')),
not by running the scheduler. The property tests compare against exact rational
arithmetic (fractions.Fraction), an independent route to the same rules.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.schedulers.sm2 import (
    QUALITY_LABELS,
    Sm2State,
    is_passing,
    needs_repeat_today,
    preview_intervals,
    review,
)

DAY = date(2024, 3, 1)


def learned(easiness: float, repetitions: int, interval: int, lapses: int = 0) -> Sm2State:
    return Sm2State(
        easiness=easiness,
        repetitions=repetitions,
        interval=interval,
        due=DAY,
        lapses=lapses,
        last_review=DAY - timedelta(days=interval),
    )


# --- the state itself -------------------------------------------------------


def test_new_state_defaults() -> None:
    s = Sm2State()
    assert (s.easiness, s.repetitions, s.interval, s.due, s.lapses, s.last_review) == (
        2.5,
        0,
        0,
        None,
        0,
        None,
    )


def test_field_order_is_the_published_api() -> None:
    names = [f.name for f in dataclasses.fields(Sm2State)]
    assert names == ["easiness", "repetitions", "interval", "due", "lapses", "last_review"]


def test_state_is_frozen() -> None:
    s = Sm2State()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.easiness = 3.0  # type: ignore[misc]


# --- hand-worked sequences -------------------------------------------------


def test_four_perfect_grades_from_new() -> None:
    # q=5 adds 0.10 each time: 2.6, 2.7, 2.8, 2.9.
    # I: 1, 6, ceil(6 * 2.8 = 16.8) = 17, ceil(17 * 2.9 = 49.3) = 50.
    s1 = review(Sm2State(), 5, date(2024, 3, 1))
    assert s1 == Sm2State(2.6, 1, 1, date(2024, 3, 2), 0, date(2024, 3, 1))

    s2 = review(s1, 5, date(2024, 3, 2))
    assert s2 == Sm2State(2.7, 2, 6, date(2024, 3, 8), 0, date(2024, 3, 2))

    s3 = review(s2, 5, date(2024, 3, 8))
    assert s3 == Sm2State(2.8, 3, 17, date(2024, 3, 25), 0, date(2024, 3, 8))

    s4 = review(s3, 5, date(2024, 3, 25))
    # 25 March + 50 days: 6 to 31 March, 30 more to 30 April, 14 more to 14 May.
    assert s4 == Sm2State(2.9, 4, 50, date(2024, 5, 14), 0, date(2024, 3, 25))

    # Fifth: EF' = 3.0 exactly, I = 50 * 3 = 150. Adding 0.1 five times in floats gives
    # 3.0000000000000004 and ceil(150.00000000000003) = 151; we must say 150.
    s5 = review(s4, 5, date(2024, 5, 14))
    # 14 May + 150: 17 to 31 May, +30 Jun (47), +31 Jul (78), +31 Aug (109), +30 Sep (139),
    # 11 Oct (150).
    assert s5 == Sm2State(3.0, 5, 150, date(2024, 10, 11), 0, date(2024, 5, 14))
    assert math.ceil(50 * (2.5 + 0.1 + 0.1 + 0.1 + 0.1 + 0.1)) == 151  # the trap avoided


def test_good_then_fail() -> None:
    # q=4 changes EF by 0.1 - 1 * (0.08 + 0.02) = 0.
    s1 = review(Sm2State(), 4, DAY)
    assert (s1.easiness, s1.repetitions, s1.interval, s1.lapses) == (2.5, 1, 1, 0)
    s2 = review(s1, 1, DAY + timedelta(days=1))
    assert (s2.easiness, s2.repetitions, s2.interval, s2.lapses) == (2.5, 0, 1, 1)
    assert s2.due == date(2024, 3, 3)
    assert s2.last_review == date(2024, 3, 2)


def test_failing_a_new_item_is_not_a_lapse() -> None:
    s = review(Sm2State(), 0, DAY)
    assert (s.easiness, s.repetitions, s.interval, s.lapses) == (2.5, 0, 1, 0)
    assert s.due == date(2024, 3, 2)


def test_after_a_failure_intervals_restart_at_1_then_6() -> None:
    # 4, 4, 4 at EF 2.5: I = 1, 6, 6 * 2.5 = 15. Then 0: back to n=0, I=1, one lapse.
    s = learned(2.5, 3, 15)
    s = review(s, 0, DAY)
    assert (s.easiness, s.repetitions, s.interval, s.lapses) == (2.5, 0, 1, 1)
    s = review(s, 4, DAY + timedelta(days=1))
    assert (s.easiness, s.repetitions, s.interval, s.lapses) == (2.5, 1, 1, 1)
    s = review(s, 4, DAY + timedelta(days=2))
    assert (s.easiness, s.repetitions, s.interval, s.lapses) == (2.5, 2, 6, 1)
    assert s.due == date(2024, 3, 9)


def test_each_grade_from_one_state() -> None:
    # From EF 2.5, n=2, I=10. Passing grades: EF' 2.60, 2.50, 2.36 -> I 26, 25, ceil(23.6) = 24.
    s = learned(2.5, 2, 10, lapses=2)
    expected = {
        5: (2.6, 3, 26, 2),
        4: (2.5, 3, 25, 2),
        3: (2.36, 3, 24, 2),
        2: (2.5, 0, 1, 3),
        1: (2.5, 0, 1, 3),
        0: (2.5, 0, 1, 3),
    }
    for q, want in expected.items():
        got = review(s, q, DAY)
        assert (got.easiness, got.repetitions, got.interval, got.lapses) == want, q


def test_easiness_steps_for_each_passing_grade_from_new() -> None:
    # Deltas for q = 5, 4, 3: +0.10, 0, -0.14 (failures leave EF alone).
    assert review(Sm2State(), 5, DAY).easiness == 2.6
    assert review(Sm2State(), 4, DAY).easiness == 2.5
    assert review(Sm2State(), 3, DAY).easiness == 2.36


def test_easiness_floor_at_1_3() -> None:
    # 1.40 - 0.14 = 1.26 -> floored to 1.30; I = ceil(10 * 1.3) = 13.
    s = review(learned(1.4, 3, 10), 3, DAY)
    assert (s.easiness, s.repetitions, s.interval) == (1.3, 4, 13)
    # Stays at 1.3: I = ceil(13 * 1.3 = 16.9) = 17, then ceil(17 * 1.3 = 22.1) = 23.
    s = review(s, 3, DAY)
    assert (s.easiness, s.repetitions, s.interval) == (1.3, 5, 17)
    s = review(s, 3, DAY)
    assert (s.easiness, s.repetitions, s.interval) == (1.3, 6, 23)
    # A blackout at the floor: EF stays 1.3, restart, one lapse.
    s = review(s, 0, DAY)
    assert (s.easiness, s.repetitions, s.interval, s.lapses) == (1.3, 0, 1, 1)
    # A perfect grade climbs off the floor: 1.3 + 0.1 = 1.4.
    s = review(s, 5, DAY)
    assert (s.easiness, s.repetitions, s.interval) == (1.4, 1, 1)


def test_floor_from_a_large_drop() -> None:
    # Grade 3 from 1.42: 1.42 - 0.14 = 1.28 -> 1.30.  I = ceil(20 * 1.3) = 26.
    s = review(learned(1.42, 2, 20), 3, DAY)
    assert (s.easiness, s.interval) == (1.3, 26)
    # Grade 3 from 1.44: 1.44 - 0.14 = 1.30 exactly.  I = ceil(20 * 1.3) = 26.
    s = review(learned(1.44, 2, 20), 3, DAY)
    assert (s.easiness, s.interval) == (1.3, 26)


# --- rounding up, and exactness --------------------------------------------


def test_fractional_interval_rounds_up() -> None:
    # 7 * 2.5 = 17.5 -> 18; with q=3, 7 * 2.36 = 16.52 -> 17; 3 * 1.3 = 3.9 -> 4.
    assert review(learned(2.5, 2, 7), 4, DAY).interval == 18
    assert review(learned(2.5, 2, 7), 3, DAY).interval == 17
    assert review(learned(1.3, 5, 3), 4, DAY).interval == 4
    # A fraction as small as 0.01 still rounds up: 101 * 1.3 = 131.3 -> 132; 1 * 2.02 -> 3.
    assert review(learned(1.3, 5, 101), 4, DAY).interval == 132
    assert review(learned(2.02, 5, 1), 4, DAY).interval == 3


def test_six_times_three_is_eighteen() -> None:
    # EF 2.9 with q=5 -> EF' 3.0; n=2, I=6 -> 18.
    s = review(learned(2.9, 2, 6), 5, DAY)
    assert (s.easiness, s.repetitions, s.interval) == (3.0, 3, 18)
    assert s.due == date(2024, 3, 19)


def test_float_noise_in_a_stored_easiness_is_absorbed() -> None:
    # 2.5 + 0.1 * 4 in floats is 2.9000000000000004; a naive ceil(6 * 3.0000000000000004) is 19.
    drifted = 2.5 + 0.1 + 0.1 + 0.1 + 0.1
    assert drifted != 2.9
    assert math.ceil(6 * (drifted + 0.1)) == 19  # the trap
    s = review(learned(drifted, 2, 6), 5, DAY)
    assert (s.easiness, s.interval) == (3.0, 18)


# Found by a short search over I <= 400 and EF' on the 0.02 grid: I * EF' is a whole
# number, yet I * float(EF') lands just above it, so math.ceil would add a day.
FLOAT_TRAPS = [
    # (EF before, grade, I before, EF' after, I after = I * EF' exactly)
    (2.2, 4, 25, 2.2, 55),  # 25 * 2.20 = 55;   25 * 2.2 in floats = 55.00000000000001
    (2.2, 4, 45, 2.2, 99),  # 45 * 2.20 = 99
    (2.08, 5, 100, 2.18, 218),  # 100 * 2.18 = 218
    (1.5, 3, 75, 1.36, 102),  # 75 * 1.36 = 102
    (1.62, 4, 150, 1.62, 243),  # 150 * 1.62 = 243
]


@pytest.mark.parametrize(("ef", "q", "interval", "ef_after", "interval_after"), FLOAT_TRAPS)
def test_integer_products_that_floats_get_wrong(
    ef: float, q: int, interval: int, ef_after: float, interval_after: int
) -> None:
    assert math.ceil(interval * ef_after) == interval_after + 1  # the case really is a trap
    s = review(learned(ef, 3, interval), q, DAY)
    assert (s.easiness, s.interval) == (ef_after, interval_after)
    assert s.due == DAY + timedelta(days=interval_after)


# --- preview, due date, helpers, validation --------------------------------


def test_preview_for_a_new_item() -> None:
    assert preview_intervals(Sm2State()) == {0: 1, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1}


def test_preview_second_review() -> None:
    assert preview_intervals(learned(2.5, 1, 1)) == {0: 1, 1: 1, 2: 1, 3: 6, 4: 6, 5: 6}


def test_preview_matches_hand_values_and_review() -> None:
    s = learned(2.5, 2, 10)
    preview = preview_intervals(s)
    assert preview == {0: 1, 1: 1, 2: 1, 3: 24, 4: 25, 5: 26}
    for q in range(6):
        after = review(s, q, DAY)
        assert after.interval == preview[q]
        assert after.due == DAY + timedelta(days=preview[q])


def test_preview_does_not_need_or_change_the_state() -> None:
    s = learned(2.9, 2, 6)
    before = dataclasses.replace(s)
    assert preview_intervals(s)[5] == 18
    assert s == before


def test_due_and_last_review_across_a_year_end() -> None:
    s = review(learned(2.5, 2, 6), 4, date(2024, 12, 20))  # I = 15
    assert s.interval == 15
    assert s.due == date(2025, 1, 4)
    assert s.last_review == date(2024, 12, 20)


def test_is_passing() -> None:
    assert [is_passing(q) for q in range(6)] == [False, False, False, True, True, True]


def test_needs_repeat_today() -> None:
    assert [needs_repeat_today(q) for q in range(6)] == [True, True, True, True, False, False]


def test_quality_labels() -> None:
    assert sorted(QUALITY_LABELS) == [0, 1, 2, 3, 4, 5]
    assert all(isinstance(v, str) and v.strip() for v in QUALITY_LABELS.values())
    assert len(set(QUALITY_LABELS.values())) == 6


BAD_GRADES = [-1, 6, 2.5, True, False, "3", None, 3.0]


@pytest.mark.parametrize("bad", BAD_GRADES)
def test_review_rejects_bad_grades(bad: object) -> None:
    with pytest.raises(ValueError, match="quality"):
        review(Sm2State(), bad, DAY)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", BAD_GRADES)
def test_helpers_reject_bad_grades(bad: object) -> None:
    with pytest.raises(ValueError, match="quality"):
        is_passing(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="quality"):
        needs_repeat_today(bad)  # type: ignore[arg-type]


# --- properties ---------------------------------------------------------------


@st.composite
def valid_states(draw: st.DrawFn) -> Sm2State:
    """States the scheduler itself can produce: EF on the 0.02 grid, I >= 1 once n >= 1."""
    ef_hundredths = 2 * draw(st.integers(65, 200))  # 1.30 .. 4.00
    n = draw(st.integers(0, 15))
    interval = draw(st.sampled_from([0, 1])) if n == 0 else draw(st.integers(1, 3000))
    last = draw(st.none() | st.dates(date(2000, 1, 1), date(2030, 1, 1)))
    due = None if last is None else last + timedelta(days=interval)
    return Sm2State(
        easiness=round(ef_hundredths / 100, 2),
        repetitions=n,
        interval=interval,
        due=due,
        lapses=draw(st.integers(0, 40)),
        last_review=last,
    )


grades = st.integers(0, 5)
days = st.dates(date(2000, 1, 1), date(2040, 1, 1))


def exact_next(state: Sm2State, q: int) -> tuple[Fraction, int, int]:
    """The SM-2 rules in exact rationals, written from the formula, for comparison."""
    ef = Fraction(str(state.easiness))
    if q < 3:
        return ef, 0, 1
    ef = ef + Fraction("0.1") - (5 - q) * (Fraction("0.08") + (5 - q) * Fraction("0.02"))
    ef = max(ef, Fraction("1.3"))
    if state.repetitions == 0:
        interval = 1
    elif state.repetitions == 1:
        interval = 6
    else:
        interval = min(math.ceil(state.interval * ef), 36_500)  # the 100-year cap
    return ef, state.repetitions + 1, interval


@settings(max_examples=150, deadline=None)
@given(valid_states(), st.lists(grades, min_size=1, max_size=25), days)
def test_sequences_keep_the_invariants(start: Sm2State, qs: list[int], today: date) -> None:
    s = start
    for q in qs:
        before = s
        s = review(s, q, today)
        hundredths = s.easiness * 100
        assert s.easiness >= 1.3
        assert abs(hundredths - round(hundredths)) < 1e-9
        assert round(hundredths) % 2 == 0  # 2.5 + k * 0.02
        assert s.easiness == round(s.easiness, 2)
        assert s.interval >= 1
        assert s.due == today + timedelta(days=s.interval)
        assert s.last_review == today
        ef, n, interval = exact_next(before, q)
        assert (Fraction(str(s.easiness)), s.repetitions, s.interval) == (ef, n, interval)
        if q < 3:
            assert (s.repetitions, s.interval, s.easiness) == (0, 1, before.easiness)
            assert s.lapses == before.lapses + (1 if before.repetitions > 0 else 0)
        else:
            assert s.lapses == before.lapses
        today = s.due


@settings(max_examples=200, deadline=None)
@given(valid_states(), days)
def test_higher_grade_never_gives_a_shorter_interval(s: Sm2State, today: date) -> None:
    preview = preview_intervals(s)
    reviewed = [review(s, q, today).interval for q in range(6)]
    assert reviewed == [preview[q] for q in range(6)]
    for low in range(6):
        for high in range(low + 1, 6):
            assert reviewed[low] <= reviewed[high]


@settings(max_examples=100, deadline=None)
@given(valid_states(), grades, days)
def test_review_leaves_the_input_alone(s: Sm2State, q: int, today: date) -> None:
    snapshot = dataclasses.astuple(s)
    review(s, q, today)
    preview_intervals(s)
    assert dataclasses.astuple(s) == snapshot
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.interval = 99  # type: ignore[misc]


def test_intervals_stop_at_one_hundred_years_so_due_dates_stay_real() -> None:
    from studyapp.schedulers.sm2 import MAX_INTERVAL

    state = Sm2State(easiness=3.0, repetitions=9, interval=30_000, due=date(2100, 1, 1))
    after = review(state, 5, date(2100, 1, 1))
    assert MAX_INTERVAL == 36_500
    assert after.interval == 36_500  # ceil(30,000 × 3.1) = 93,000, capped
    assert after.due == date(2100, 1, 1) + timedelta(days=36_500)
    assert review(after, 5, after.due).interval == 36_500
