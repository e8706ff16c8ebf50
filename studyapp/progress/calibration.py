"""How well each scheduler predicts this learner's memory, measured on their own log.

At every review of an item already reviewed on an earlier day (a day's first grade; same-
day re-asks are not predictions), each scheduler implies a chance of recall:

- SM-2, as open-spaced-repetition's srs-benchmark reads it: the interval SM-2 set is taken
  as the time at which recall falls to 90 %, on an exponential curve, so after t days of
  an interval I the recall is 0.9^(t/I);
- FSRS: the retrievability of the state replayed from the log up to the review (the
  weights in use: fitted, or FSRS's defaults).

What happened is a pass (grade 3 or more) or a fail. For each scheduler: the log loss
(the mean of -log of the chance it gave to what happened; lower is better) and the RMSE
over bins of the predicted recall (count-weighted; ten bins 0-10 %, ..., 90-100 %: the
calibration plot's points). Retention at the target: the share of those reviews passed
(true retention, first views excluded), beside the desired retention.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from studyapp.config import Settings
from studyapp.schedulers import fsrs
from studyapp.store import Database

BINS = 10
_EPSILON = 1e-4  # predictions are clipped to [ε, 1 - ε]: one certain miss is not infinite


@dataclass(frozen=True)
class Logged:
    """One logged grade as calibration reads it."""

    kind: str
    item_id: str
    day: date
    quality: int
    repeat: bool
    prev_interval: int
    prev_last_review: date | None


@dataclass(frozen=True)
class Bin:
    """One point of the calibration plot: mean predicted recall, share passed, reviews."""

    low: float
    predicted: float
    observed: float
    count: int


@dataclass(frozen=True)
class Score:
    """One scheduler's predictions against what happened."""

    log_loss: float | None
    rmse_bins: float | None
    bins: tuple[Bin, ...]


@dataclass(frozen=True)
class Calibration:
    """Both schedulers' scores on the same reviews, and retention against the target."""

    reviews: int
    sm2: Score
    fsrs: Score
    observed_retention: float | None
    desired_retention: float
    fitted: bool
    """True when FSRS's weights were fitted to this learner (else FSRS's defaults)."""


@dataclass
class _Tally:
    loss: float = 0.0
    count: int = 0
    sums: list[float] = field(default_factory=lambda: [0.0] * BINS)
    passes: list[int] = field(default_factory=lambda: [0] * BINS)
    counts: list[int] = field(default_factory=lambda: [0] * BINS)

    def add(self, predicted: float, passed: bool) -> None:
        p = min(max(predicted, _EPSILON), 1 - _EPSILON)
        self.loss -= math.log(p if passed else 1 - p)
        self.count += 1
        slot = min(int(predicted * BINS), BINS - 1)
        self.sums[slot] += predicted
        self.passes[slot] += passed
        self.counts[slot] += 1

    def score(self) -> Score:
        if not self.count:
            return Score(None, None, ())
        bins = tuple(
            Bin(i / BINS, self.sums[i] / n, self.passes[i] / n, n)
            for i, n in enumerate(self.counts)
            if n
        )
        squared = sum(b.count * (b.predicted - b.observed) ** 2 for b in bins)
        return Score(self.loss / self.count, math.sqrt(squared / self.count), bins)


def sm2_recall(elapsed_days: int, interval: int) -> float:
    """SM-2's implied recall after `elapsed_days` of an `interval`: 0.9^(t/I) (srs-benchmark)."""
    return float(0.9 ** (max(0, elapsed_days) / max(1, interval)))


def calibrate(
    log: Iterable[Logged],
    weights: Sequence[float] = (),
    desired_retention: float = 0.9,
) -> Calibration:
    """Score both schedulers on a log in the order it was written (oldest first)."""
    w = weights or fsrs.default_parameters()
    states: dict[tuple[str, str], fsrs.FsrsState | None] = {}
    sm2_tally, fsrs_tally = _Tally(), _Tally()
    passed_total = 0
    for row in log:
        if row.repeat:
            continue
        key = (row.kind, row.item_id)
        before = None if row.prev_last_review is None else states.get(key)
        passed = row.quality >= 3
        if row.prev_last_review is not None and before is not None:
            elapsed = (row.day - row.prev_last_review).days
            if elapsed >= 1:
                sm2_tally.add(sm2_recall(elapsed, row.prev_interval), passed)
                fsrs_tally.add(fsrs.retrievability(before, row.day, w), passed)
                passed_total += passed
        states[key] = fsrs.review(before, row.quality, row.day, w, desired_retention)
    scored = sm2_tally.count
    return Calibration(
        reviews=scored,
        sm2=sm2_tally.score(),
        fsrs=fsrs_tally.score(),
        observed_retention=passed_total / scored if scored else None,
        desired_retention=desired_retention,
        fitted=bool(weights),
    )


def read_log(db: Database) -> Iterator[Logged]:
    """The whole review log, oldest first, streamed (no sort: the key's order)."""
    from sqlalchemy import select

    from studyapp.store.schema import reviews

    columns = (
        reviews.c.kind,
        reviews.c.item_id,
        reviews.c.day,
        reviews.c.quality,
        reviews.c.repeat,
        reviews.c.prev_interval,
        reviews.c.prev_last_review,
    )
    with db.session() as session:
        result = session.execute(select(*columns).order_by(reviews.c.id)).yield_per(20_000)
        for kind, item_id, day, quality, repeat, interval, last in result:
            yield Logged(kind, item_id, day, int(quality), bool(repeat), int(interval), last)


def calibrate_log(
    db: Database, weights: Sequence[float] = (), desired_retention: float = 0.9
) -> Calibration:
    """`calibrate` on the whole stored log, computed with NumPy a review position at a time
    across every item at once (a million reviews in about a second, where the item-by-item
    replay takes tens); equal to `calibrate` up to floating-point rounding (a test checks)."""
    import numpy as np

    from studyapp.store.log_pages import first_grade_pages

    codes: dict[tuple[str, str], int] = {}
    item: list[int] = []
    day: list[int] = []
    quality: list[int] = []
    interval: list[int] = []
    fresh: list[bool] = []
    for page in first_grade_pages(db):
        for _id, kind, item_id, on, q, ivl, new in page:
            item.append(codes.setdefault((kind, item_id), len(codes)))
            day.append(on)
            quality.append(q)
            interval.append(ivl)
            fresh.append(bool(new))
    return _calibrate_arrays(
        np.array(item, dtype=np.int64),
        np.array(day, dtype=np.int64),
        np.array(quality, dtype=np.int64),
        np.array(interval, dtype=np.int64),
        np.array(fresh, dtype=bool),
        tuple(weights) or fsrs.default_parameters(),
        desired_retention,
        fitted=bool(weights),
    )


def calibrate_fast(
    log: Iterable[Logged], weights: Sequence[float] = (), desired_retention: float = 0.9
) -> Calibration:
    """`calibrate` computed as `calibrate_log` does, from logged rows (for tests)."""
    import numpy as np

    codes: dict[tuple[str, str], int] = {}
    rows = [
        (
            codes.setdefault((r.kind, r.item_id), len(codes)),
            r.day.toordinal(),
            r.quality,
            r.prev_interval,
            r.prev_last_review is None,
        )
        for r in log
        if not r.repeat
    ]

    def column(index: int, kind: Any = np.int64) -> Any:
        return np.array([row[index] for row in rows], dtype=kind)

    return _calibrate_arrays(
        column(0),
        column(1),
        column(2),
        column(3),
        column(4, bool),
        tuple(weights) or fsrs.default_parameters(),
        desired_retention,
        fitted=bool(weights),
    )


def _calibrate_arrays(
    item: Any,
    day: Any,
    quality: Any,
    interval: Any,
    fresh: Any,
    w: Sequence[float],
    desired_retention: float,
    fitted: bool,
) -> Calibration:
    """The day's first grades, in log order, as arrays -> both schedulers' scores."""
    import numpy as np

    from studyapp.schedulers.fsrs_batch import replay_batch

    replayed = replay_batch(item, day, quality, fresh, w)
    scored = ~np.isnan(replayed.predicted)
    passed = np.asarray(quality)[replayed.order][scored] >= 3
    elapsed = (replayed.day - np.roll(replayed.day, 1))[scored]
    sm2 = 0.9 ** (elapsed / np.maximum(np.asarray(interval)[replayed.order][scored], 1))
    return Calibration(
        reviews=int(scored.sum()),
        sm2=_score(np, sm2, passed),
        fsrs=_score(np, replayed.predicted[scored], passed),
        observed_retention=float(passed.mean()) if passed.size else None,
        desired_retention=desired_retention,
        fitted=fitted,
    )


def _score(np: Any, predicted: Any, passed: Any) -> Score:
    """Log loss and binned RMSE of predictions against passes (arrays)."""
    if not predicted.size:
        return Score(None, None, ())
    p = np.clip(predicted, _EPSILON, 1 - _EPSILON)
    loss = float(-np.mean(np.where(passed, np.log(p), np.log(1 - p))))
    slot = np.minimum((predicted * BINS).astype(int), BINS - 1)
    counts = np.bincount(slot, minlength=BINS)
    sums = np.bincount(slot, weights=predicted, minlength=BINS)
    passes = np.bincount(slot, weights=passed.astype(float), minlength=BINS)
    bins = tuple(
        Bin(i / BINS, float(sums[i] / counts[i]), float(passes[i] / counts[i]), int(counts[i]))
        for i in range(BINS)
        if counts[i]
    )
    squared = sum(b.count * (b.predicted - b.observed) ** 2 for b in bins)
    return Score(loss, math.sqrt(squared / predicted.size), bins)


def calibration_data(db: Database, settings: Settings) -> Calibration:
    """The learner's calibration, with the FSRS weights and target in use."""
    return calibrate_log(db, settings.fsrs_parameters, settings.desired_retention)


def calibration_json(found: Calibration) -> dict[str, Any]:
    """`stats --json`'s `calibration` (docs/formats.md)."""

    def score(s: Score) -> dict[str, Any]:
        return {
            "log_loss": None if s.log_loss is None else round(s.log_loss, 4),
            "rmse_bins": None if s.rmse_bins is None else round(s.rmse_bins, 4),
            "bins": [
                {
                    "from": b.low,
                    "predicted": round(b.predicted, 4),
                    "observed": round(b.observed, 4),
                    "reviews": b.count,
                }
                for b in s.bins
            ],
        }

    return {
        "reviews": found.reviews,
        "sm2": score(found.sm2),
        "fsrs": {**score(found.fsrs), "parameters": "fitted" if found.fitted else "default"},
        "retention": {
            "desired": found.desired_retention,
            "observed": None
            if found.observed_retention is None
            else round(found.observed_retention, 4),
        },
    }
