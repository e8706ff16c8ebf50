"""The learner's version of a bundled card laid over the bundled deck's text.

An override keeps only the fields the learner changed; every other field follows the
bundled deck, so a later fix of the bundled text still reaches the fields they left alone.
The bundled text of every field is kept beside it, so that reverting goes back to the
bundled deck as it is today. Sync (decks/sync.py) and the card editor (review/editing.py)
both read and write overrides through these functions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.store.models import Card, CardOverride

TEXT_FIELDS = ("front", "back", "mnemonic", "why", "tags")
"""The fields a learner can edit; tags as one space-separated string."""

Fields = dict[str, str | None]


def fields_of(card: Card) -> Fields:
    """A card's editable text as stored."""
    return {name: getattr(card, name) for name in TEXT_FIELDS}


def put_fields(card: Card, fields: Mapping[str, str | None]) -> None:
    for name in TEXT_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(card, name, (value or "") if name in ("front", "back", "tags") else value)


def encode(fields: Mapping[str, str | None]) -> str:
    return json.dumps(dict(fields), ensure_ascii=False, sort_keys=True)


def decode(text: str) -> Fields:
    loaded = json.loads(text)
    return {name: loaded[name] for name in TEXT_FIELDS if name in loaded}


def changed_fields(learner: Mapping[str, str | None], bundled: Mapping[str, str | None]) -> Fields:
    """The fields where the learner's text differs from the bundled text."""
    return {n: learner.get(n) for n in TEXT_FIELDS if learner.get(n) != bundled.get(n)}


def overrides_for(session: Session, card_ids: list[str]) -> dict[str, CardOverride]:
    """The overrides of these cards, by card id."""
    if not card_ids:
        return {}
    found = session.scalars(select(CardOverride).where(CardOverride.card_id.in_(card_ids)))
    return {row.card_id: row for row in found}


def lay_over(card: Card, override: CardOverride, bundled: Fields, now: datetime | None) -> None:
    """Sync: the bundled deck's text is now `bundled`; keep it beside the override and
    show the learner's fields over it. `now` None keeps the override's date."""
    override.bundled = encode(bundled)
    if now is not None:
        override.changed_at = now
    put_fields(card, {**bundled, **decode(override.fields)})
