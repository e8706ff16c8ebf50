"""A simulated year of study under SM-2 and under FSRS: reviews per day against retention.

A synthetic learner's memory follows a known forgetting model: FSRS-6's curves, with
weights of their own (LEARNER below, a learner who forgets new material faster and
consolidates a little differently than FSRS's defaults assume), so neither scheduler is
handed the truth: SM-2 knows nothing of the model, FSRS schedules with its default weights.
Each day the learner meets up to `--new` new cards of a deck of `--cards` and reviews every
card due by the scheduler under test (studyapp's own `schedulers.sm2` and `schedulers.fsrs`,
the same functions the app calls). A card is recalled with the model's probability; a recall
is graded 3, 4 or 5 (Hard, Good, Easy: 15 %, 70 %, 15 %), a lapse 1. As in the app, a
grade below 4 brings the card back the same day once more (counted as a review, not
rescheduled) and only the day's first grade moves the schedule and the memory.

Reported per scheduler: reviews per day (first grades and same-day re-asks, averaged over
the year), true retention (the share of reviews of already-seen cards recalled), and the
mean recall of every card met, averaged over the year's days (what the learner knows).

    python scripts/simulate_year.py [--cards 1000] [--new 20] [--days 365] [--seed 1]
        [--retention 0.9]
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from datetime import date, timedelta

from studyapp.schedulers import fsrs, sm2

START = date(2026, 1, 1)
LEARNER: tuple[float, ...] = (
    0.11, 0.95, 1.03, 1.11, 6.46, 0.77, 3.14, 0.007, 1.81, 0.26, 0.74,
    1.47, 0.066, 0.26, 1.67, 0.56, 1.72, 0.53, 0.083, 0.066, 0.14,
)  # fmt: skip
"""The learner's true memory: FSRS-6 weights unlike the defaults (first stabilities about
half as long), roughly what fsrs-rs fits to a synthetic learner of this kind."""
PASS_GRADES = ((3, 0.15), (4, 0.70), (5, 0.15))
FAIL_GRADE = 1


@dataclass(frozen=True)
class Year:
    """One scheduler's simulated year."""

    scheduler: str
    reviews_per_day: float
    true_retention: float
    known: float
    """Mean recall of the cards met so far, averaged over the days."""
    cards_met: int


def _grade(rng: random.Random, recalled: bool) -> int:
    if not recalled:
        return FAIL_GRADE
    pick, edge = rng.random(), 0.0
    for grade, share in PASS_GRADES:
        edge += share
        if pick < edge:
            return grade
    return PASS_GRADES[-1][0]


def simulate(
    scheduler: str,
    cards: int = 1000,
    new_per_day: int = 20,
    days: int = 365,
    seed: int = 1,
    retention: float = 0.9,
) -> Year:
    """One year of study with `scheduler` ("sm2" or "fsrs")."""
    fsrs.check_parameters(LEARNER)
    rng = random.Random(seed)
    memory: dict[int, fsrs.FsrsState] = {}  # the learner's true memory
    plan_sm2: dict[int, sm2.Sm2State] = {}
    plan_fsrs: dict[int, fsrs.FsrsState] = {}
    due: dict[int, date] = {}
    met, reviews, seen_reviews, seen_recalled, known_sum = 0, 0, 0, 0, 0.0
    for offset in range(days):
        today = START + timedelta(days=offset)
        todays = sorted(card for card, day in due.items() if day <= today)
        fresh = list(range(met, min(cards, met + new_per_day)))
        met += len(fresh)
        for card in todays + fresh:
            truth = memory.get(card)
            recall = fsrs.retrievability(truth, today, LEARNER) if truth else 0.0
            recalled = rng.random() < recall
            quality = _grade(rng, recalled)
            reviews += 1 + (quality < 4)  # the same-day re-ask of a grade below 4
            if truth is not None:
                seen_reviews += 1
                seen_recalled += recalled
            memory[card] = fsrs.review(truth, quality, today, LEARNER)
            if scheduler == "sm2":
                plan_sm2[card] = sm2.review(plan_sm2.get(card, sm2.Sm2State()), quality, today)
                next_due = plan_sm2[card].due
            else:
                plan_fsrs[card] = fsrs.review(plan_fsrs.get(card), quality, today, (), retention)
                next_due = plan_fsrs[card].due
            assert next_due is not None
            due[card] = next_due
        if memory:
            known_sum += sum(fsrs.retrievability(m, today, LEARNER) for m in memory.values()) / len(
                memory
            )
    return Year(
        scheduler=scheduler,
        reviews_per_day=reviews / days,
        true_retention=seen_recalled / seen_reviews if seen_reviews else 0.0,
        known=known_sum / days,
        cards_met=met,
    )


def report(years: list[Year]) -> list[str]:
    """The figures as a small table."""
    lines = [f"{'scheduler':<10} {'reviews/day':>12} {'true retention':>15} {'known':>7}"]
    for year in years:
        lines.append(
            f"{year.scheduler:<10} {year.reviews_per_day:>12.1f} "
            f"{year.true_retention:>15.1%} {year.known:>7.1%}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--new", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--retention", type=float, default=0.9)
    args = parser.parse_args()
    years = [
        simulate(name, args.cards, args.new, args.days, args.seed, args.retention)
        for name in ("sm2", "fsrs")
    ]
    print(
        f"{args.cards} cards, {args.new} new a day, {args.days} days, seed {args.seed}, "
        f"FSRS desired retention {args.retention:.2f}"
    )
    print("\n".join(report(years)))


if __name__ == "__main__":
    main()
