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


@dataclass(frozen=True)
class Fitted:
    """A fit done: the weights, the day, on how many first grades."""

    weights: tuple[float, ...]
    day: date
    reviews: int


def long_term_reviews(db: Database) -> int:
    """First grades of items already seen, from the per-day totals (no log scan)."""
    with db.session() as session:
        found = session.execute(
            select(func.coalesce(func.sum(daily_totals.c.graded - daily_totals.c.new_seen), 0))
        ).scalar()
    return int(found or 0)


def fit_due(stored: Sequence[tuple[str, str]], count: int, today: date) -> bool:
    """Whether to fit now: enough first grades, and no fit yet, or it has grown stale."""
    if count < FIT_THRESHOLD:
        return False
    last = fsrs.fitted_on(stored)
    if last is None:
        return True
    day, reviews = last
    return count >= reviews * REFIT_GROWTH or (today - day).days >= REFIT_DAYS


def training_items(db: Database) -> list[FSRSItem]:
    """fsrs-rs's training set: for each first grade of an item seen before, the item's
    history up to it as (rating, days since the previous grade); a reset starts a new
    history. At most MAX_ITEMS, of the items first graded last."""
    from fsrs_rs_python import FSRSItem, FSRSReview

    items: list[FSRSItem] = []
    for log in read_log(db).values():
        history: list[tuple[int, int]] = []
        previous: date | None = None
        for graded in log:
            if graded.repeat:
                continue
            if graded.fresh:
                history, previous = [], None
            elapsed = 0 if previous is None else (graded.day - previous).days
            history.append((fsrs.rating_for(graded.quality), elapsed))
            previous = graded.day
            if len(history) > 1:
                items.append(FSRSItem([FSRSReview(r, t) for r, t in history]))
    return items[-MAX_ITEMS:]


def fit(db: Database, today: date, count: int) -> Fitted | None:
    """Fit the weights to the log and store them; None when fsrs-rs gives weights the
    scheduler refuses (then the defaults, or the last good fit, stay)."""
    from fsrs_rs_python import FSRS

    items = training_items(db)
    if not items:
        return None
    weights = FSRS(list(fsrs.default_parameters())).compute_parameters(items)
    try:
        checked = fsrs.check_parameters(weights)
    except ValueError:
        return None
    stored = fsrs.check_parameters([float(w) for w in fsrs.parameters_text(checked).split(",")])
    with db.writing() as sql:
        sql.run(
            "write_preference",
            {"key": fsrs.PARAMETERS_KEY, "value": fsrs.parameters_text(stored)},
        )
        sql.run(
            "write_preference", {"key": fsrs.FITTED_KEY, "value": f"{today.isoformat()} {count}"}
        )
    return Fitted(stored, today, count)


def upkeep(db: Database, settings: Settings) -> Fitted | None:
    """What the app does after start, in a worker: derive FSRS's state if FSRS is chosen
    but its state is not kept (a restored or upgraded collection), and fit the weights
    when a fit is due, deriving the kept state again with them. Returns the fit, if one
    was done. A learner on SM-2 pays nothing: reading a long log and fitting would hold the
    interpreter while they study (the bench saw the first card 3 s late at 1M reviews), so
    their calibration compares SM-2 with FSRS's default weights until they choose FSRS."""
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
    if done is not None and settings.fsrs_tracked:
        derive(db, replace(settings, fsrs_parameters=done.weights))
    return done
