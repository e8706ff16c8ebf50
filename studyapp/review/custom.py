"""Custom study: the sessions a learner asks for beyond today's plan.

"Review ahead N days", "cram" (a deck, a tag, a search or the cards browse lists) and
"again today's failures" are review sessions over a queue of their own (`custom_queue`);
"N more new cards today" raises today's new-card limit only (Settings.extra_new, stored
as bookkeeping under config.EXTRA_NEW_KEY, so it lapses with the day); "drill this family" is a
drill session over one family's topics (`drill_families`).

None of them may corrupt the schedule. A cram grade is logged (stats see it) as a same-day
repeat marked `cram`: SM-2 and FSRS are left exactly as they were, and retention, the
daily limits and FSRS's replay skip it, as they skip every repeat. A learner who asks at
the start for a cram that reschedules gets ordinary grades. Reviewing ahead grades each
card from the day it is actually reviewed (SM-2 takes `today`, never the due day), and a
card already graded today is a same-day repeat in any custom session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from studyapp.config import Settings
from studyapp.store.models import Card, DailyTotal, Review, active_card

CustomKind = Literal["ahead", "cram", "failures"]
CRAM_LIMIT = 1000
"""The most cards one cram session takes (browse lists as many)."""
FAILURES_PAGE = 2000
"""Log rows read at a time, newest first, when looking for today's failures."""
FAILURES_SCAN = 10_000
"""How far back from the log's end today's rows are looked for before the whole log is."""
MAX_AHEAD_DAYS = 365
MAX_EXTRA_NEW = 9999


@dataclass(frozen=True)
class CustomStudy:
    """A custom review session: which cards it asks, and whether its grades reschedule."""

    kind: CustomKind
    days: int = 0
    """ahead: the cards due within this many days after today."""
    deck: str | None = None
    tag: str | None = None
    text: str = ""
    card_ids: tuple[str, ...] | None = None
    """cram: exactly these cards (browse's search result), in this order."""
    reschedule: bool = False
    """cram: True when the learner asked at the start for grades that reschedule."""

    def __post_init__(self) -> None:
        if self.kind == "ahead" and not 1 <= self.days <= MAX_AHEAD_DAYS:
            raise ValueError(f"review ahead takes 1 to {MAX_AHEAD_DAYS} days, not {self.days}")

    @property
    def cram(self) -> bool:
        """A cram that leaves the schedule alone: its grades are logged as cram repeats."""
        return self.kind == "cram" and not self.reschedule

    @property
    def title(self) -> str:
        """What the review screen's title bar calls the session."""
        if self.kind == "ahead":
            return f"Review ahead {self.days} {'day' if self.days == 1 else 'days'}"
        if self.kind == "failures":
            return "Again: today's failures"
        what = (
            "search result"
            if self.card_ids is not None
            else f"deck {self.deck}"
            if self.deck
            else f"tag {self.tag}"
            if self.tag
            else f"“{self.text}”"
            if self.text
            else "every card"
        )
        return f"Cram {what}" + (" (rescheduling)" if self.reschedule else "")


def custom_queue(
    session: Session, settings: Settings, today: date, custom: CustomStudy
) -> list[str]:
    """The card ids a custom session asks, in order."""
    if custom.kind == "ahead":
        return ahead_queue(session, settings, today, custom.days)
    if custom.kind == "failures":
        return failures_queue(session, today)
    return cram_queue(session, custom.deck, custom.tag, custom.text, custom.card_ids)


def ahead_queue(session: Session, settings: Settings, today: date, days: int) -> list[str]:
    """Cards in play due after today and within `days`, soonest first; a card already
    graded today is left out (its next review is its due day, not today again)."""
    due = Card.fsrs_due if settings.scheduler == "fsrs" else Card.due
    query = (
        select(Card.id)
        .where(
            *active_card(),
            due.is_not(None),
            due > today,
            due <= today + timedelta(days=days),
            or_(Card.last_review.is_(None), Card.last_review < today),
        )
        .order_by(due, Card.position)
    )
    return list(session.scalars(query))


def failures_queue(session: Session, today: date) -> list[str]:
    """Cards in play graded below 3 today (first grade or re-ask), in the order they were
    first failed."""
    failed = _todays_failures_at_the_end(session, today)
    if failed is None:  # today's rows are not all at the log's end (an import since)
        query = (
            select(Review.item_id)
            .where(Review.kind == "card", Review.day == today, Review.quality < 3)
            .group_by(Review.item_id)
            .order_by(func.min(Review.id))
        )
        failed = list(session.scalars(query))
    failed = failed[:CRAM_LIMIT]
    playing = set(session.scalars(select(Card.id).where(*active_card(), Card.id.in_(failed))))
    return [card for card in failed if card in playing]


def _todays_failures_at_the_end(session: Session, today: date) -> list[str] | None:
    """Today's failed cards, in order, read from the end of the log; None when they are
    not all there.

    The log has no index on the day (it is kept as small as it can be), but grades are
    appended, so today's rows are normally its last ones: it is read backwards by id, a
    page at a time, until it has given as many of today's card rows as today's totals
    count (kept in each grade's transaction) — a few hundred rows, not a scan of a
    million. An import appends older days' rows after today's; past FAILURES_SCAN rows
    without finding them all, the caller asks the whole log instead."""
    expected = session.scalar(
        select(DailyTotal.reviews).where(DailyTotal.day == today, DailyTotal.kind == "card")
    )
    remaining, read, below = int(expected or 0), 0, None
    first_failed: dict[str, int] = {}
    while remaining > 0:
        if read >= max(FAILURES_SCAN, 2 * int(expected or 0)):
            return None
        page = (
            select(Review.id, Review.kind, Review.item_id, Review.day, Review.quality)
            .order_by(Review.id.desc())
            .limit(FAILURES_PAGE)
        )
        rows = session.execute(page if below is None else page.where(Review.id < below)).all()
        if not rows:
            return None
        read, below = read + len(rows), rows[-1][0]
        for review_id, kind, card_id, day, quality in rows:
            if kind != "card" or day != today:
                continue
            remaining -= 1
            if quality < 3:
                first_failed[card_id] = review_id  # read newest first: ends at the first
    return sorted(first_failed, key=first_failed.__getitem__)


def cram_queue(
    session: Session,
    deck: str | None,
    tag: str | None,
    text: str,
    card_ids: Sequence[str] | None,
) -> list[str]:
    """The cards of a cram, suspended and retired ones left out: `card_ids` in their order,
    else a deck's, a tag's or a search's cards in deck and file order (at most CRAM_LIMIT)."""
    if card_ids is not None:
        wanted = list(dict.fromkeys(card_ids))[:CRAM_LIMIT]
        playing: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            playing.update(
                session.scalars(select(Card.id).where(*active_card(), Card.id.in_(chunk)))
            )
        return [card for card in wanted if card in playing]
    query = select(Card.id).where(*active_card()).order_by(Card.deck_id, Card.position)
    if deck:
        query = query.where(Card.deck_id == deck)
    if tag:
        query = query.where((" " + Card.tags + " ").like(f"% {tag} %"))
    needle = text.strip()
    if needle:
        pattern = f"%{needle}%"
        query = query.where(
            or_(Card.front.ilike(pattern), Card.back.ilike(pattern), Card.tags.ilike(pattern))
        )
    return list(session.scalars(query.limit(CRAM_LIMIT)))


def drill_families() -> list[tuple[str, str, list[str]]]:
    """Every drill family (the module its topics come from): (id, title, topic ids)."""
    from studyapp.drills import registry

    families: dict[str, list[str]] = {}
    for topic in registry().values():
        family = topic.generate.__module__.rpartition(".")[2]
        families.setdefault(family, []).append(topic.id)
    return [
        (family, FAMILY_TITLES.get(family, family.replace("_", " ").capitalize()), ids)
        for family, ids in sorted(families.items())
    ]


FAMILY_TITLES = {
    "architecture": "Architecture and shapes",
    "backprop": "Backpropagation",
    "initialization": "Initialization",
    "neurons": "Neurons and activations",
    "normalization": "Normalization",
    "optimizers": "Optimizers",
    "regularization": "Regularization",
    "softmax_losses": "Softmax and losses",
}
"""A learner's name for each drill family (its module's)."""
