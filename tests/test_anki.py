"""Packages checked with the real Anki library (the `anki` extra): our .apkg opens in Anki
with its notes, decks, tags and schedule, and Anki's own packages import into studyapp."""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from studyapp.store.models import Card, Deck
from studyapp.transfer.anki import read_package
from studyapp.transfer.export import write_apkg
from studyapp.transfer.restore import import_decks
from tests.helpers import add_cards

anki_collection = pytest.importorskip("anki.collection")


def fresh_anki(folder: Path) -> Any:
    folder.mkdir()
    return anki_collection.Collection(str(folder / "collection.anki2"))


def anki_today(col: Any) -> date:
    """Anki's current study day as a date: the day starts at the collection's rollover hour."""
    rollover = int(col.get_config("rollover", 4))
    return (datetime.now().astimezone() - timedelta(hours=rollover)).date()


def test_our_package_opens_in_anki_with_its_schedule(db, tmp_path) -> None:
    add_cards(db, 2, deck="basics")
    add_cards(
        db,
        1,
        deck="formulas",
        due=date.today() + timedelta(days=9),
        repetitions=4,
        interval=37,
        easiness=2.18,
        lapses=3,
    )
    add_cards(
        db,
        1,
        deck="formulas",
        due=date.today() - timedelta(days=2),
        repetitions=1,
        interval=1,
        easiness=1.3,
        lapses=0,
        suspended=True,
    )
    with db.session() as session, session.begin():
        card = session.get(Card, "basics-000")
        assert card is not None
        card.front, card.back, card.tags = "Is 1 < 2 & 3 > 2?", "Yes\nboth", "logic math"
    package = tmp_path / "studyapp.apkg"
    assert write_apkg(db, package) == 4

    col = fresh_anki(tmp_path / "anki")
    try:
        request = anki_collection.ImportAnkiPackageRequest(
            package_path=str(package),
            options=anki_collection.ImportAnkiPackageOptions(with_scheduling=True),
        )
        col.import_anki_package(request)
        arrived = {}
        for card_id in col.find_cards(""):
            card = col.get_card(card_id)
            note = card.note()
            arrived[note["Id"]] = (note, card, col.decks.name(card.did))
        today = anki_today(col)
        days_ahead = {cid: c.due - col.sched.today for cid, (_, c, _) in arrived.items()}
    finally:
        col.close()

    assert len(arrived) == 4 and len({n.id for n, _, _ in arrived.values()}) == 4
    with db.session() as session:
        for card_id, (note, card, deck) in arrived.items():
            ours = session.get(Card, card_id)
            assert ours is not None
            assert html.unescape(note["Front"].replace("<br>", "\n")) == ours.front
            assert html.unescape(note["Back"].replace("<br>", "\n")) == ours.back
            assert deck == f"studyapp::{ours.deck_id}"
            assert sorted(note.tags) == sorted(ours.tags.split())
            assert (card.ivl, card.factor, card.lapses) == (
                ours.interval,
                round(ours.easiness * 1000),
                ours.lapses,
            )
            assert card.reps == ours.repetitions  # no grades logged: the SM-2 count
            if ours.due is None:
                assert (card.type, card.queue) == (0, 0)
            else:
                assert card.type == 2 and card.queue == (-1 if ours.suspended else 2)
                assert days_ahead[card_id] == (ours.due - today).days
    basics = arrived["basics-000"][1]
    assert (basics.type, basics.ivl, basics.factor, basics.reps) == (0, 0, 2500, 0)
    formula = arrived["formulas-002"][1]
    assert (
        formula.type,
        formula.queue,
        formula.ivl,
        formula.factor,
        formula.reps,
        formula.lapses,
    ) == (2, 2, 37, 2180, 4, 3)
    assert (arrived["formulas-003"][1].queue, arrived["formulas-003"][1].factor) == (-1, 1300)


def anki_package(tmp_path: Path, legacy: bool) -> Path:
    """A package exported by Anki itself: two notes in a nested deck, one in Default."""
    col = fresh_anki(tmp_path / ("legacy" if legacy else "current"))
    try:
        basic = col.models.by_name("Basic")
        waves = col.decks.id("Physics::Waves")
        for front, back, tags, deck in (
            ("What is <b>frequency</b>?", "Cycles per second<br>(Hz)", ["physics", "units"], waves),
            ("c = ?", "f &middot; &lambda;", [], waves),
            ("Default deck card", "its back", ["misc"], 1),
        ):
            note = col.new_note(basic)
            note["Front"], note["Back"] = front, back
            note.tags = tags
            col.add_note(note, deck)
        out = tmp_path / ("legacy.apkg" if legacy else "current.apkg")
        options = anki_collection.ExportAnkiPackageOptions(
            with_scheduling=False, with_deck_configs=False, with_media=False, legacy=legacy
        )
        col.export_anki_package(out_path=str(out), options=options, limit=None)
    finally:
        col.close()
    return out


def test_a_package_made_by_anki_imports_with_decks_and_tags(db, tmp_path) -> None:
    package = anki_package(tmp_path, legacy=True)
    specs = {spec.name: spec for spec in read_package(package)}
    assert set(specs) == {"Physics::Waves", "Default"}
    assert specs["Physics::Waves"].id == "physics-waves" and specs["Default"].id == "default"
    cards = {card.front: card for spec in specs.values() for card in spec.cards}
    assert cards["What is frequency?"].back == "Cycles per second\n(Hz)"
    assert cards["What is frequency?"].tags == ("physics", "units")
    assert cards["c = ?"].back == "f · λ"
    assert cards["Default deck card"].tags == ("misc",)
    assert all(card.id.startswith("anki-") for card in cards.values())
    assert import_decks(db, list(specs.values())).added == 3
    assert import_decks(db, read_package(package)).added == 0


def test_anki_newer_package_format_reads_like_the_older(tmp_path) -> None:
    current = read_package(anki_package(tmp_path, legacy=False))
    older = read_package(anki_package(tmp_path, legacy=True))
    assert [(d.name, [c.front for c in d.cards]) for d in current] == [
        (d.name, [c.front for c in d.cards]) for d in older
    ]


def test_anki_plain_text_notes_export_imports(tmp_path) -> None:
    """Anki's "Notes in Plain Text" file (its `#separator:tab` header) as studyapp reads it."""
    from studyapp.transfer.text_files import parse_import

    col = fresh_anki(tmp_path / "text")
    try:
        basic = col.models.by_name("Basic")
        for front, back, tags in (
            ("Sigmoid range?", "(0, 1)<br>open", ["act"]),
            ("tanh(0)?", "0", []),
        ):
            note = col.new_note(basic)
            note["Front"], note["Back"] = front, back
            note.tags = tags
            col.add_note(note, col.decks.id("Maths"))
        out = tmp_path / "notes.txt"
        col.export_note_csv(
            out_path=str(out),
            limit=None,
            with_html=True,
            with_tags=True,
            with_deck=True,
            with_notetype=True,
            with_guid=True,
        )
    finally:
        col.close()
    assert out.read_text().startswith("#separator:tab")
    cards = {card.front: card for card in parse_import(out).cards}
    assert cards["Sigmoid range?"].back == "(0, 1)\nopen"
    assert cards["Sigmoid range?"].tags == ("act",) and cards["tanh(0)?"].back == "0"


def test_cards_sent_through_anki_come_home_to_their_ids(db, tmp_path) -> None:
    add_cards(db, 3, deck="basics")
    package = tmp_path / "out.apkg"
    write_apkg(db, package)
    col = fresh_anki(tmp_path / "roundtrip")
    try:
        col.import_anki_package(
            anki_collection.ImportAnkiPackageRequest(
                package_path=str(package),
                options=anki_collection.ImportAnkiPackageOptions(with_scheduling=True),
            )
        )
        back = tmp_path / "back.apkg"
        options = anki_collection.ExportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=False, with_media=False, legacy=True
        )
        col.export_anki_package(out_path=str(back), options=options, limit=None)
    finally:
        col.close()
    (spec,) = read_package(back)
    assert spec.id == "basics" and [c.id for c in spec.cards] == [
        "basics-000",
        "basics-001",
        "basics-002",
    ]
    report = import_decks(db, [spec])
    assert (report.added, report.updated, report.errors) == (0, 0, [])
    with db.session() as session:
        deck = session.get(Deck, "basics")
        assert deck is not None and deck.name == "Basics"  # kept, not renamed to the id
