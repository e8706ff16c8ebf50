"""FSRS's weights fitted to the learner's own log, in the background, by fsrs-rs.

fsrs-rs (Rust, through fsrs-rs-python) fits the 21 weights without a deep-learning
framework. A fit needs FIT_THRESHOLD first grades of items already seen (a day's first
grade of an item graded on an earlier day: what FSRS learns from). 400 because that is
about three weeks of the default 20 new cards a day, and at 85-90 % recall it holds some
50 forgotten reviews, enough for the curve's weights to move on evidence rather than
noise; before that FSRS's defaults are used, and the stats screen says which. A fit is
redone when the count has grown by a fifth or the fit is a month old, so the weights
follow the learner without anyone pressing anything. The app runs `upkeep` in a thread
worker after start (ui/app.py): never on a key, never a button.

The weights are stored in the preferences table (schedulers/fsrs.py PARAMETERS_KEY) with
the day and the count (FITTED_KEY); FSRS's kept state is then derived again with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from studyapp.config import Settings

if TYPE_CHECKING:
    from fsrs_rs_python import FSRSItem
from studyapp.review.fsrs_state import derive, read_log
from studyapp.schedulers import fsrs
from studyapp.store import Database
from studyapp.store.schema import daily_totals

FIT_THRESHOLD = 400
REFIT_GROWTH = 1.2
REFIT_DAYS = 30
MAX_ITEMS = 60_000
"""The newest first grades a fit reads at most: each carries its item's whole history, so
this bounds the memory a fit takes on a million-row log."""


NOT_FITTED_KEY = "fsrs_not_fitted"
"""The last fit that fitted nothing: "YYYY-MM-DD N reason" (empty once a fit is done)."""
NOTHING_TO_LEARN = "no item has grades on two different days for FSRS to learn from"
WEIGHTS_REFUSED = "the optimizer gave weights outside FSRS's bounds"


@dataclass(frozen=True)
class Fitted:
    """A fit done: the weights, the day, on how many first grades."""

    weights: tuple[float, ...]
    day: date
    reviews: int

    @property
    def summary(self) -> str:
        """What the app tells the learner."""
        return f"FSRS's weights are now fitted to your {self.reviews} reviews."


@dataclass(frozen=True)
class NotFitted:
    """A fit that fitted nothing: why, the day, on how many first grades (FSRS's
    defaults, or the last good fit, stay)."""

    reason: str
    day: date
    reviews: int

    @property
    def summary(self) -> str:
        """What the app tells the learner."""
        return f"FSRS's weights were not fitted: {self.reason}. Its defaults stay."


def long_term_reviews(db: Database) -> int:
    """First grades of items already seen, from the per-day totals (no log scan)."""
    with db.session() as session:
        found = session.execute(
            select(func.coalesce(func.sum(daily_totals.c.graded - daily_totals.c.new_seen), 0))
        ).scalar()
    return int(found or 0)


def fit_due(stored: Sequence[tuple[str, str]], count: int, today: date) -> bool:
    """Whether to fit now: enough first grades, and no fit (or try) yet, or it has grown
    stale."""
    if count < FIT_THRESHOLD:
        return False
    tried = not_fitted(stored)
    last = fsrs.fitted_on(stored) if tried is None else (tried.day, tried.reviews)
    if last is None:
        return True
    day, reviews = last
    return count >= reviews * REFIT_GROWTH or (today - day).days >= REFIT_DAYS


def training_items(db: Database) -> list[FSRSItem]:
    """fsrs-rs's training set: for each first grade of an item seen before, the item's
    history up to it as (rating, days since the previous grade); a reset starts a new
    history. At most MAX_ITEMS, of the items first graded last.

    Only histories fsrs-rs can learn from: one with no grade on a later day than its
    first (every grade on one day, as an imported log can have) makes the optimizer
    panic, and an item whose days go backwards (a clock set back) has no valid gap."""
    from fsrs_rs_python import FSRSItem, FSRSReview

    items: list[FSRSItem] = []
    for log in read_log(db).values():
        items.extend(FSRSItem([FSRSReview(r, t) for r, t in h]) for h in usable_histories(log))
    return items[-MAX_ITEMS:]


def usable_histories(log: Sequence[fsrs.Graded]) -> list[list[tuple[int, int]]]:
    """One item's usable histories as (rating, days since the previous grade), oldest
    first: none at all when a day comes before the one graded before it."""
    found: list[list[tuple[int, int]]] = []
    history: list[tuple[int, int]] = []
    previous: date | None = None
    for graded in log:
        if graded.repeat:
            continue
        if graded.fresh:
            history, previous = [], None
        elapsed = 0 if previous is None else (graded.day - previous).days
        if elapsed < 0:
            return []
        history.append((fsrs.rating_for(graded.quality), elapsed))
        previous = graded.day
        if len(history) > 1 and any(t > 0 for _, t in history):
            found.append(list(history))
    return found


def fit(db: Database, today: date, count: int) -> Fitted | NotFitted:
    """Fit the weights to the log and store them. When the log gives fsrs-rs nothing to
    learn from, or fsrs-rs gives weights the scheduler refuses, nothing is fitted (the
    defaults, or the last good fit, stay) and why is stored: `fit_due` then waits for
    the log to grow as after a fit, rather than reading it again at every start."""
    from fsrs_rs_python import FSRS

    items = training_items(db)
    if not items:
        return _not_fitted(db, today, count, NOTHING_TO_LEARN)
    weights = FSRS(list(fsrs.default_parameters())).compute_parameters(items)
    try:
        checked = fsrs.check_parameters(weights)
    except ValueError:
        return _not_fitted(db, today, count, WEIGHTS_REFUSED)
    stored = fsrs.check_parameters([float(w) for w in fsrs.parameters_text(checked).split(",")])
    with db.writing() as sql:
        sql.run(
            "write_preference",
            {"key": fsrs.PARAMETERS_KEY, "value": fsrs.parameters_text(stored)},
        )
        sql.run(
            "write_preference", {"key": fsrs.FITTED_KEY, "value": f"{today.isoformat()} {count}"}
        )
        sql.run("write_preference", {"key": NOT_FITTED_KEY, "value": ""})
    return Fitted(stored, today, count)


def _not_fitted(db: Database, today: date, count: int, reason: str) -> NotFitted:
    with db.writing() as sql:
        sql.run(
            "write_preference",
            {"key": NOT_FITTED_KEY, "value": f"{today.isoformat()} {count} {reason}"},
        )
    return NotFitted(reason, today, count)


def not_fitted(stored: Sequence[tuple[str, str]]) -> NotFitted | None:
    """The last fit that found nothing to fit, if it is newer than any fit."""
    try:
        day, count, reason = dict(stored)[NOT_FITTED_KEY].split(" ", 2)
        return NotFitted(reason, date.fromisoformat(day), int(count))
    except (KeyError, ValueError):
        return None


def upkeep(db: Database, settings: Settings) -> Fitted | NotFitted | None:
    """What the app does after start, in a worker: derive FSRS's state if FSRS is chosen
    but its state is not kept (a restored or upgraded collection), and fit the weights
    when a fit is due, deriving the kept state again with them. Returns the fit, if one
    was done or tried (NotFitted says why nothing was). A learner on SM-2 pays nothing:
    reading a long log and fitting would hold the interpreter while they study (the bench
    saw the first card 3 s late at 1M reviews), so their calibration compares SM-2 with
    FSRS's default weights until they choose FSRS."""
    if settings.scheduler != "fsrs":
        return None
    if not settings.fsrs_tracked:
        derive(db, settings)
        settings = replace(settings, fsrs_tracked=True)
    count = long_term_reviews(db)
    with db.reading() as reader:
        stored = reader.all("preferences")
    if not fit_due([(str(k), str(v)) for k, v in stored], count, settings.today()):
        return None
    done = fit(db, settings.today(), count)
    if isinstance(done, Fitted) and settings.fsrs_tracked:
        derive(db, replace(settings, fsrs_parameters=done.weights))
    return done
