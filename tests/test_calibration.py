"""Calibration (issue 17): each scheduler's predicted recall against what happened."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import pytest

from studyapp.progress.calibration import Logged, calibrate, calibration_json, sm2_recall
from studyapp.schedulers import fsrs, sm2

START = date(2025, 1, 6)


def synthetic_log(items: int, days: int, seed: int) -> list[Logged]:
    """A learner scheduled by SM-2 whose memory follows FSRS's model (default weights):
    each review passes with FSRS's retrievability of the replayed state."""
    rng = random.Random(seed)
    log: list[Logged] = []
    for item in range(items):
        s2, memory = sm2.Sm2State(), None
        day = START + timedelta(days=rng.randrange(30))
        while day < START + timedelta(days=days):
            recall = fsrs.retrievability(memory, day) if memory else 0.6
            quality = rng.choice((3, 4, 4, 5)) if rng.random() < recall else rng.choice((0, 1, 2))
            log.append(Logged("card", f"c{item}", day, quality, False, s2.interval, s2.last_review))
            memory = fsrs.review(memory, quality, day)
            s2 = sm2.review(s2, quality, day)
            day = s2.due + timedelta(days=rng.randrange(0, 4))  # not always on the day
    log.sort(key=lambda row: row.day)
    return log


def test_fsrs_predicts_a_learner_who_follows_fsrs_better_than_sm2() -> None:
    found = calibrate(synthetic_log(300, 400, seed=7))
    assert found.reviews > 1000
    assert found.fsrs.log_loss is not None and found.sm2.log_loss is not None
    assert found.fsrs.log_loss < found.sm2.log_loss
    assert found.fsrs.rmse_bins is not None and found.sm2.rmse_bins is not None
    assert found.fsrs.rmse_bins < found.sm2.rmse_bins
    assert sum(b.count for b in found.fsrs.bins) == found.reviews
    assert not found.fitted


def test_scores_by_hand() -> None:
    day = START
    log = [
        Logged("card", "a", day, 4, False, 0, None),  # first view: no prediction
        Logged("card", "a", day, 4, True, 1, day),  # a same-day re-ask: no prediction
        Logged("card", "a", day + timedelta(days=1), 4, False, 1, day),  # SM-2 says 0.9
        Logged("card", "a", day + timedelta(days=7), 1, False, 6, day + timedelta(days=1)),
    ]
    found = calibrate(log, desired_retention=0.85)
    assert found.reviews == 2
    assert found.observed_retention == 0.5
    assert found.desired_retention == 0.85
    expected = -(math.log(0.9) + math.log(1 - 0.9)) / 2
    assert found.sm2.log_loss == pytest.approx(expected)
    assert [b.count for b in found.sm2.bins] == [2]
    assert found.sm2.rmse_bins == pytest.approx(0.4)  # mean prediction 0.9, observed 0.5
    state = fsrs.review(None, 4, day)
    assert found.fsrs.bins[-1].predicted == pytest.approx(
        fsrs.retrievability(state, day + timedelta(days=1)), abs=0.1
    )


def test_sm2_implied_recall_is_ninety_percent_at_the_interval() -> None:
    assert sm2_recall(6, 6) == pytest.approx(0.9)
    assert sm2_recall(12, 6) == pytest.approx(0.81)
    assert sm2_recall(0, 6) == 1.0


def test_json_shape_for_an_empty_log() -> None:
    empty = calibration_json(calibrate([]))
    assert empty["reviews"] == 0
    assert empty["sm2"] == {"log_loss": None, "rmse_bins": None, "bins": []}
    assert empty["fsrs"]["parameters"] == "default"
    assert empty["retention"] == {"desired": 0.9, "observed": None}


def test_the_formats_page_names_every_calibration_key() -> None:
    from pathlib import Path

    page = (Path(__file__).parent.parent / "docs" / "formats.md").read_text(encoding="utf-8")
    found = calibration_json(calibrate(synthetic_log(5, 60, seed=1)))
    found["fsrs"]["fitted"] = {"on": "2026-01-01", "reviews": 400}

    def keys(value: object) -> list[str]:
        if isinstance(value, dict):
            return [k for key, item in value.items() for k in (key, *keys(item))]
        if isinstance(value, list):
            return [k for item in value for k in keys(item)]
        return []

    assert sorted({k for k in ["calibration", *keys(found)] if f"`{k}`" not in page}) == []


def test_the_vectorised_calibration_equals_the_replay() -> None:
    from studyapp.progress.calibration import calibrate_fast

    log = synthetic_log(120, 300, seed=11)
    extra = START + timedelta(days=310)
    last_c1 = max(r.day for r in log if r.item_id == "c1")
    log += [  # a same-day grade not marked as a repeat (an import), and a reset card
        Logged("card", "c1", extra, 4, False, 6, last_c1),
        Logged("card", "c1", extra, 2, False, 6, extra),
        Logged("card", "c2", extra, 5, False, 0, None),
        Logged("card", "c2", extra + timedelta(days=2), 1, False, 1, extra),
    ]
    weights = (0.3, 1.1, 2.5, 7.0, *fsrs.default_parameters()[4:])
    for w in ((), weights):
        slow, fast = calibrate(log, w, 0.85), calibrate_fast(log, w, 0.85)
        assert fast.reviews == slow.reviews and fast.fitted == slow.fitted
        assert fast.observed_retention == pytest.approx(slow.observed_retention)
        for a, b in ((slow.sm2, fast.sm2), (slow.fsrs, fast.fsrs)):
            assert b.log_loss == pytest.approx(a.log_loss, rel=1e-9)
            assert b.rmse_bins == pytest.approx(a.rmse_bins, rel=1e-9)
            assert [x.count for x in b.bins] == [x.count for x in a.bins]
    assert calibrate_fast([]).reviews == 0
