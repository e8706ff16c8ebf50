"""Browse's search as one SELECT: words, deck, tag prefixes and named filters, in any order.

A word of three characters or more is looked up in SQLite's trigram index (`cards_fts`,
migration 0010), which finds it anywhere in a card's front, back or tags ("soft" in
"softmax", "∂L" needs the shorter path); a shorter word, and every word on PostgreSQL (where
a pg_trgm index serves ILIKE), is a case-insensitive substring match on the three columns.
The rows come back sorted in the database, so "the first 1000 by due" are the right 1000.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, false, literal_column, or_, select, text, true
from sqlalchemy.sql import ColumnElement

from studyapp.store.schema import CARDS_FTS, cards

TRIGRAM = 3
"""The shortest word the trigram index can look up."""

FILTERS: dict[str, tuple[str, Callable[[], ColumnElement[bool]]]] = {
    "suspended": ("suspended", lambda: cards.c.suspended == true()),
    "leech": ("leeches", lambda: _has_tag("leech")),
    "new": ("new", lambda: cards.c.due.is_(None)),
    "learned": ("seen", lambda: cards.c.due.is_not(None)),
    # A "flagged" filter joins here (helper "shape"): name -> (label, condition).
}
"""Browse's `is:` filters: name -> (the label its menu shows, the condition)."""

SORTS: dict[str, tuple[str, Callable[[], Sequence[Any]]]] = {
    "deck": ("deck", lambda: [cards.c.deck_id, cards.c.position]),
    "front": ("front", lambda: [cards.c.front]),
    "ef": ("EF", lambda: [cards.c.easiness]),
    "reps": ("reps", lambda: [cards.c.repetitions]),
    "interval": ("interval", lambda: [cards.c.interval]),
    "due": ("due", lambda: [cards.c.due.is_(None), cards.c.due]),
    "lapses": ("lapses", lambda: [cards.c.lapses]),
    "added": ("added", lambda: [cards.c.added]),
}
"""Browse's sort keys: name -> (label, columns). Every sort ends in deck and position, so
equal keys keep file order; "due" puts new cards (no due day) after the scheduled ones."""


@dataclass(frozen=True)
class CardQuery:
    """What browse asks for: every part narrows the result."""

    words: tuple[str, ...] = ()
    deck: str | None = None
    tag_prefixes: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    sort: str = "deck"
    descending: bool = False
    limit: int = 1000
    include_retired: bool = False


def search_statement(query: CardQuery, dialect: str) -> Select[Any]:
    """The SELECT of the cards' browse columns for `query` on `dialect`."""
    statement = select(
        cards.c.id,
        cards.c.deck_id,
        cards.c.front,
        cards.c.template,
        cards.c.ordinal,
        cards.c.tags,
        cards.c.easiness,
        cards.c.repetitions,
        cards.c.interval,
        cards.c.due,
        cards.c.lapses,
        cards.c.suspended,
        cards.c.added,
    )
    conditions: list[ColumnElement[bool]] = []
    if not query.include_retired:
        conditions.append(cards.c.retired == false())
    indexed = [w for w in query.words if dialect == "sqlite" and len(w) >= TRIGRAM]
    if indexed:
        conditions.append(_fts_match(indexed))
    conditions += [_substring(w) for w in query.words if w not in indexed]
    if query.deck:
        conditions.append(cards.c.deck_id == query.deck)
    for prefix in query.tag_prefixes:
        conditions.append(_tag_prefix(prefix))
    for name in query.filters:
        conditions.append(FILTERS[name][1]())
    order = list(SORTS[query.sort][1]())
    if query.descending:
        order = [column.desc() for column in order]
    return (
        statement.where(and_(true(), *conditions))
        .order_by(*order, cards.c.deck_id, cards.c.position)
        .limit(query.limit)
    )


def _fts_match(words: Sequence[str]) -> ColumnElement[bool]:
    """Cards whose front, back or tags hold every word (a phrase each: quotes doubled)."""
    expression = " AND ".join('"' + word.replace('"', '""') + '"' for word in words)
    matching = text(f"SELECT rowid FROM {CARDS_FTS} WHERE {CARDS_FTS} MATCH :fts_words")
    return literal_column("cards.rowid").in_(
        matching.bindparams(fts_words=expression).columns(literal_column("rowid"))
    )


def _like_pattern(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _substring(word: str) -> ColumnElement[bool]:
    pattern = f"%{_like_pattern(word)}%"
    return or_(
        *(
            column.ilike(pattern, escape="\\")
            for column in (cards.c.front, cards.c.back, cards.c.tags)
        )
    )


def _spaced_tags() -> ColumnElement[str]:
    return " " + cards.c.tags + " "


def _has_tag(tag: str) -> ColumnElement[bool]:
    return _spaced_tags().like(f"% {_like_pattern(tag)} %", escape="\\")


def _tag_prefix(prefix: str) -> ColumnElement[bool]:
    """A tag that starts with `prefix` ("rel" finds "relu"), case-insensitively."""
    return _spaced_tags().ilike(f"% {_like_pattern(prefix)}%", escape="\\")


def known_tags_statement() -> Select[Any]:
    """Every distinct tag string of the cards in play (split into tags by the caller)."""
    return select(cards.c.tags).where(cards.c.retired == false(), cards.c.tags != "").distinct()
