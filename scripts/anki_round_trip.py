"""Anki → studyapp → Anki and studyapp → Anki → studyapp, with the real `anki` library.

Issue 14's "Done when": both round trips keep every card, its deck, tags, suspension and
schedule. This script does both through the real commands (`studyapp import`, `studyapp
export --format apkg`, with STUDYAPP_DB in a temporary folder) and Anki's own importer and
exporter, then prints a table per direction: cards in and out, and how many cards match in
deck, tags, suspension, interval, ease, due date, reviews (log rows) and lapses, with every
mismatch listed card by card.

- Anki first: tests/anki_builder.py's collection (Basic, Basic-and-reversed, a Cloze with
  four numbers, a hint and a nested gap, a 4-field type, an image, subdecks, tags, a
  suspended card, a leech, a buried card, a card in learning), studied over simulated days
  by Anki's own scheduler and exported as an .apkg; studyapp imports it and exports it;
  a fresh Anki collection imports that. Cards are matched by note GUID and card ordinal.
- studyapp first: the bundled decks, some studied over simulated days, some suspended,
  exported as an .apkg; a fresh Anki collection imports it and exports it again with
  Anki's exporter; a fresh studyapp database imports that. Cards are matched by id.

Usage: python scripts/anki_round_trip.py [--days 10]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the collection builder lives beside the tests

STARTING_EASE = 2500
FIELDS = ("deck", "tags", "suspended", "interval", "ease", "due", "reviews", "lapses")


@dataclass
class Table:
    """One direction's result: how many cards went in and came out, and per field how many
    of the cards present on both sides agree."""

    title: str
    cards_in: int
    cards_out: int
    matched: dict[str, int] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        both = self.cards_in - sum(1 for m in self.mismatches if m.endswith(": missing"))
        rows = [
            self.title,
            f"  {'cards in':<10} {self.cards_in:>5}",
            f"  {'cards out':<10} {self.cards_out:>5}",
        ]
        rows += [f"  {name:<10} {self.matched.get(name, 0):>5} / {both}" for name in FIELDS]
        rows += [f"  mismatch: {line}" for line in self.mismatches] or ["  no mismatch"]
        return rows + [f"  ({note})" for note in self.notes]


def compare(
    title: str, before: dict[Any, dict[str, Any]], after: dict[Any, dict[str, Any]]
) -> Table:
    """Card by card, field by field: what came back against what went in."""
    table = Table(title, len(before), len(after), {name: 0 for name in FIELDS})
    for key, old in sorted(before.items(), key=lambda item: str(item[0])):
        new = after.get(key)
        if new is None:
            table.mismatches.append(f"{key}: missing")
            continue
        for name in FIELDS:
            if old[name] == new[name]:
                table.matched[name] += 1
            else:
                table.mismatches.append(f"{key}: {name} {old[name]!r} -> {new[name]!r}")
    for key in sorted(set(after) - set(before), key=str):
        table.mismatches.append(f"{key}: extra card")
    cards = before.values()
    table.notes.append(
        f"going in: {sum(c['suspended'] for c in cards)} suspended, "
        f"{sum(c['interval'] > 0 for c in cards)} with an interval, "
        f"{sum(c['lapses'] > 0 for c in cards)} lapsed, {len(set(c['deck'] for c in cards))} "
        f"decks, {sum(c['reviews'] for c in cards)} review-log rows"
    )
    return table


# --- Anki's side ------------------------------------------------------------------------------


def anki_cards(col: Any) -> dict[tuple[str, int], dict[str, Any]]:
    """Every card of an Anki collection, keyed by (note GUID, card ordinal), in the terms
    the table compares: due as a calendar date in the collection's study day."""
    rollover = int(col.get_config("rollover", 4))
    today = (datetime.now().astimezone() - timedelta(hours=rollover)).date()
    logged = dict(col.db.all("SELECT cid, count() FROM revlog GROUP BY cid"))
    cards: dict[tuple[str, int], dict[str, Any]] = {}
    rows = col.db.all(
        "SELECT c.id, n.guid, c.ord, c.did, n.tags, c.type, c.queue, c.due, c.ivl, c.factor,"
        " c.lapses FROM cards c JOIN notes n ON n.id = c.nid"
    )
    for cid, guid, order, deck_id, tags, kind, queue, due, ivl, factor, lapses in rows:
        cards[(guid, order)] = {
            "deck": col.decks.name(deck_id),
            "tags": tuple(sorted(tags.split())),
            "suspended": queue == -1,
            "interval": ivl,
            # A card still in its first learning steps has no ease yet (factor 0); Anki
            # gives it the starting ease, 2500, when it graduates.
            "ease": (factor or STARTING_EASE) if kind else None,
            "due": _anki_due(kind, due, col.sched.today, today),
            "reviews": logged.get(cid, 0),
            "lapses": lapses,
        }
    return cards


def _anki_due(kind: int, due: int, day_number: int, today: date) -> date | None:
    if kind == 2 or (kind == 3 and due < 1_000_000_000):  # a review, or a relearning day
        return today + timedelta(days=due - day_number)
    if kind in (1, 3):  # learning steps: a moment, counted on its calendar day
        return datetime.fromtimestamp(due).astimezone().date()
    return None  # new: no date


def open_anki(folder: Path) -> Any:
    import anki.collection as anki_collection

    folder.mkdir(parents=True, exist_ok=True)
    return anki_collection.Collection(str(folder / "collection.anki2"))


def anki_import(package: Path, folder: Path) -> Any:
    """A fresh Anki collection that has imported `package` with its scheduling."""
    import anki.collection as anki_collection

    col = open_anki(folder)
    col.import_anki_package(
        anki_collection.ImportAnkiPackageRequest(
            package_path=str(package),
            options=anki_collection.ImportAnkiPackageOptions(with_scheduling=True),
        )
    )
    return col


def anki_export(col: Any, out: Path) -> Path:
    """Anki's own .apkg export (the current format), with scheduling."""
    import anki.collection as anki_collection

    options = anki_collection.ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=True, with_media=False, legacy=False
    )
    col.export_anki_package(out_path=str(out), options=options, limit=None)
    return out


# --- studyapp's side ----------------------------------------------------------------------------


def studyapp(db: Path, *args: str) -> str:
    """One `studyapp` command on the database `db`, as a learner types it."""
    env = {**os.environ, "STUDYAPP_DB": str(db)}
    done = subprocess.run(
        [sys.executable, "-m", "studyapp", *args], env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"studyapp {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def studyapp_cards(db: Path, folder: Path) -> dict[str, dict[str, Any]]:
    """Every card of a studyapp database (its JSON export), keyed by card id."""
    out = folder / f"{db.stem}.json"
    studyapp(db, "export", "--format", "json", "-o", str(out))
    document = json.loads(out.read_text())
    decks = {deck["id"]: deck["name"] for deck in document["decks"]}
    logged: dict[str, int] = {}
    for review in document["reviews"]:
        if review["kind"] == "card":
            logged[review["item_id"]] = logged.get(review["item_id"], 0) + 1
    return {
        card["id"]: {
            "deck": decks[card["deck"]],
            "tags": tuple(sorted(card["tags"])),
            "suspended": card["suspended"],
            "interval": card["schedule"]["interval"],
            "ease": card["schedule"]["easiness"],
            "due": card["schedule"]["due"],
            "reviews": logged.get(card["id"], 0),
            "lapses": card["schedule"]["lapses"],
        }
        for card in document["cards"]
        if not card["retired"]
    }


def study_bundled(db: Path, days: int, suspend_every: int = 9) -> None:
    """A learner on the bundled decks: `days` simulated study days ending today (grades
    from a fixed pattern, a few lapses), then every `suspend_every`-th card suspended."""
    from studyapp.config import FixedClock, Settings
    from studyapp.review.cards import ReviewSession, set_suspended
    from studyapp.store import open_database
    from studyapp.store.models import Card

    studyapp(db, "decks")  # creates the database and loads the bundled decks
    database = open_database(f"sqlite:///{db}")
    try:
        noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
        clock = FixedClock(noon - timedelta(days=days))
        settings = Settings(clock=clock)
        grades, turn = [4, 5, 3, 0, 4, 2, 4, 5], 0
        for _ in range(days):
            session = ReviewSession(database, settings)
            while session.current is not None and session.done < 40:
                clock.advance(seconds=8)
                session.grade(grades[turn % len(grades)], duration_ms=4000 + 13 * turn)
                turn += 1
            clock.advance(days=1)
        with database.session() as session:
            ids = sorted(session.scalars(Card.__table__.select().with_only_columns(Card.id)))
        for card_id in ids[::suspend_every]:
            set_suspended(database, card_id, True)
    finally:
        database.close()


# --- the two directions ----------------------------------------------------------------------


def anki_first(folder: Path, days: int) -> Table:
    """Anki → studyapp → Anki."""
    from tests.anki_builder import build

    built = build(folder / "built", days=days)
    source = anki_import(built.current, folder / "anki-before")
    try:
        before = anki_cards(source)
    finally:
        source.close()
    db = folder / "from-anki.db"
    studyapp(db, "import", str(built.current))
    package = folder / "from-studyapp.apkg"
    studyapp(db, "export", "--format", "apkg", "-o", str(package))
    back = anki_import(package, folder / "anki-after")
    try:
        after = anki_cards(back)
    finally:
        back.close()
    # The learner's studyapp also holds the bundled decks; they go out as studyapp::<deck>
    # beside the Anki decks and are not part of this round trip.
    own = {key for key, card in after.items() if card["deck"].startswith("studyapp::")}
    table = compare(
        "Anki -> studyapp -> Anki",
        before,
        {key: card for key, card in after.items() if key not in own},
    )
    table.notes.append(f"besides these, {len(own)} cards of studyapp's bundled decks went out")
    return table


def studyapp_first(folder: Path, days: int) -> Table:
    """studyapp → Anki → studyapp."""
    home = folder / "home.db"
    study_bundled(home, days)
    before = studyapp_cards(home, folder)
    package = folder / "home.apkg"
    studyapp(home, "export", "--format", "apkg", "-o", str(package))
    col = anki_import(package, folder / "anki-middle")
    try:
        again = anki_export(col, folder / "from-anki.apkg")
    finally:
        col.close()
    fresh = folder / "fresh.db"
    studyapp(fresh, "import", str(again))
    return compare("studyapp -> Anki -> studyapp", before, studyapp_cards(fresh, folder))


def run(days: int, folder: Path | None = None) -> list[Table]:
    with tempfile.TemporaryDirectory() as scratch:
        where = folder or Path(scratch)
        return [anki_first(where / "a", days), studyapp_first(where / "b", days)]


def main(argv: Iterable[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=10, help="simulated study days each side")
    args = parser.parse_args(list(argv) if argv is not None else None)
    tables = run(args.days)
    for table in tables:
        for line in table.lines():
            out(line)
        out("")
    return 1 if any(table.mismatches for table in tables) else 0


if __name__ == "__main__":
    raise SystemExit(main())
