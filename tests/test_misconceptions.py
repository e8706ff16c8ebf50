"""The misconception rules (review/misconceptions.py): which slips an attempt made and
avoided, and how a mistake is scheduled until it is resolved."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from studyapp.review.misconceptions import (
    RESOLVED_AFTER,
    Misconception,
    after_attempt,
    avoided_once,
    judge,
    made_again,
    one_line_statuses,
    tempts,
)

DAY = date(2026, 12, 6)
SIGN, BIAS, TWO = "sigmoid.exponent_sign", "affine.forgot_bias", "squared_loss.missing_factor_2"
CHAIN = {"z1": [BIAS], "a1": [SIGN], "z2": [BIAS], "y_hat": [SIGN], "answer": [TWO]}
NAMES = list(CHAIN)


def test_a_slip_named_at_two_checkpoints_is_made_once_and_not_avoided() -> None:
    statuses = {"z1": "right", "a1": "wrong", "z2": "carried", "y_hat": "wrong"}
    made, avoided = judge(CHAIN, {"a1": SIGN, "y_hat": SIGN}, statuses, "wrong")
    assert made == {SIGN}
    assert avoided == {BIAS}  # z1 right, z2 carried; the answer was left blank


def test_a_right_one_line_answer_avoids_every_slip_the_problem_offered() -> None:
    made, avoided = judge(CHAIN, {}, one_line_statuses(NAMES, "correct"), "correct")
    assert made == set() and avoided == {SIGN, BIAS, TWO}


def test_a_wrong_one_line_answer_vouches_for_nothing_but_the_slip_it_matched() -> None:
    assert judge(CHAIN, {}, one_line_statuses(NAMES, "wrong"), "wrong") == (set(), set())
    made, avoided = judge(CHAIN, {"answer": TWO}, one_line_statuses(NAMES, "wrong"), "wrong")
    assert made == {TWO} and avoided == set()


def test_giving_up_says_nothing() -> None:
    assert judge(CHAIN, {}, one_line_statuses(NAMES, "gave_up"), "gave_up") == (set(), set())


def test_a_slip_made_is_due_at_once_then_a_day_then_three_days_then_resolved() -> None:
    state = made_again(None, SIGN, "chain_rule", DAY)
    assert (state.seen, state.due, state.status, state.avoided_run) == (1, DAY, "active", 0)
    state = avoided_once(state, DAY)  # later in the same session
    assert state.due == DAY + timedelta(days=1)
    assert avoided_once(state, DAY) == state  # not due again today: not counted
    state = avoided_once(state, DAY + timedelta(days=1))
    assert state.due == DAY + timedelta(days=4)
    state = avoided_once(state, DAY + timedelta(days=4))
    assert (state.status, state.due, state.avoided_run) == ("resolved", None, RESOLVED_AFTER)
    assert avoided_once(state, DAY + timedelta(days=9)) == state


def test_making_a_resolved_slip_again_makes_it_active_with_the_run_started_over() -> None:
    resolved = Misconception(SIGN, "neuron", 2, DAY, DAY, 3, None, "resolved")
    later = DAY + timedelta(days=20)
    again = made_again(resolved, SIGN, "chain_rule", later)
    assert again == Misconception(SIGN, "chain_rule", 3, DAY, later, 0, later, "active")


def test_after_attempt_changes_only_what_the_attempt_touched() -> None:
    sign = made_again(None, SIGN, "chain_rule", DAY)
    changed = after_attempt({SIGN: sign, BIAS: None}, [TWO], [SIGN, BIAS], "chain_rule", DAY)
    assert set(changed) == {TWO, SIGN}  # an avoided slip never made is not tracked
    assert changed[SIGN].avoided_run == 1 and changed[TWO].seen == 1


def test_a_problem_tempts_a_slip_it_offers() -> None:
    assert tempts(SIGN, CHAIN.values()) and not tempts("adam.no_bias_correction", CHAIN.values())


events = st.lists(st.tuples(st.booleans(), st.integers(0, 5)), max_size=30)


@given(events)
def test_resolved_exactly_when_the_last_counted_avoidances_run_to_three(steps) -> None:
    """Over any run of made/avoided events on days that never go back, the mistake is
    resolved exactly when RESOLVED_AFTER counted avoidances followed its last making, it is
    seen once per making, and an active one is always due on or after its last sighting."""
    state, today, makings, run = None, DAY, 0, 0
    for made, gap in steps:
        today += timedelta(days=gap)
        if made:
            state, makings, run = made_again(state, SIGN, "chain_rule", today), makings + 1, 0
        elif state is not None:
            after = avoided_once(state, today)
            run += after != state
            state = after
        if state is not None:
            assert state.seen == makings and state.avoided_run == run
            assert (state.status == "resolved") == (run >= RESOLVED_AFTER)
            assert state.status == "resolved" or (
                state.due is not None and state.due >= state.last_seen
            )
