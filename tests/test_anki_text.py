"""Anki's "Notes in Plain Text" export, made by the real Anki library, imported into studyapp:
every row Anki itself would take arrives, headers are honoured, and notes match by guid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from studyapp.decks.cloze import render_cloze
from studyapp.store.models import Card, Deck
from studyapp.transfer.anki import card_id_for_guid
from studyapp.transfer.restore import import_decks
from studyapp.transfer.text_files import read_text_import

anki_collection = pytest.importorskip("anki.collection")


def add(col: Any, notetype: str, deck: str, fields: list[str], tags: list[str] = ()) -> Any:
    note = col.new_note(col.models.by_name(notetype))
    for index, value in enumerate(fields):
        note.fields[index] = value
    note.tags = list(tags)
    col.add_note(note, col.decks.id(deck))
    return note


def export_notes(col: Any, out: Path) -> Path:
    col.export_note_csv(
        out_path=str(out),
        limit=None,
        with_html=True,
        with_tags=True,
        with_deck=True,
        with_notetype=True,
        with_guid=True,
    )
    return out


@pytest.fixture
def anki(tmp_path: Path) -> Any:
    folder = tmp_path / "anki"
    folder.mkdir()
    col = anki_collection.Collection(str(folder / "collection.anki2"))
    yield col
    col.close()


def blocking_collection(col: Any) -> dict[str, Any]:
    """Ordinary notes plus the rows that used to stop the whole file."""
    return {
        "basic": add(col, "Basic", "Physics::Waves", ["What is <b>frequency</b>?", "Hz"], ["w"]),
        "image": add(
            col, "Basic", "Physics::Waves", ["Which wave is this?", '<img src="chat.png">']
        ),
        "audio": add(col, "Basic", "Physics::Waves", ["[sound:tone.mp3]", "440 Hz"]),
        "repeat": add(col, "Basic", "Maths", ["What is <b>frequency</b>?", "1 / period"]),
        "cloze": add(
            col, "Cloze", "Maths", ["{{c1::Softmax}} turns {{c2::logits::scores}} into odds", ""]
        ),
    }


def test_every_row_anki_takes_arrives_with_decks_tags_and_markers(anki, tmp_path) -> None:
    notes = blocking_collection(anki)
    text = export_notes(anki, tmp_path / "notes.txt")
    result = read_text_import(text)
    assert result.skipped == []
    decks = {deck.name: deck for deck in result.decks}
    assert set(decks) == {"Physics::Waves", "Maths"}
    cards = {(deck.name, card.front): card for deck in result.decks for card in deck.cards}
    assert len(cards) == len(notes)
    waves, maths = "Physics::Waves", "Maths"
    assert cards[waves, "What is frequency?"].tags == ("w",)
    assert cards[maths, "What is frequency?"].back == "1 / period"
    assert cards[waves, "Which wave is this?"].back == "[image: chat.png]"
    assert cards[waves, "[audio: tone.mp3]"].back == "440 Hz"
    gaps = [c for deck in result.decks for c in deck.cards if c.template == "cloze"]
    base = card_id_for_guid(notes["cloze"].guid)
    raw = "{{c1::Softmax}} turns {{c2::logits::scores}} into odds"
    assert [(c.id, c.note_id, c.ordinal, c.front, c.back) for c in gaps] == [
        (f"{base}~c1", base, 1, raw, ""),
        (f"{base}~c2", base, 2, raw, ""),
    ]
    assert render_cloze(gaps[1].front, 2).front == "Softmax turns [scores] into odds"


def test_a_reversed_note_gives_its_card_and_the_reverse_as_siblings(anki, tmp_path) -> None:
    note = add(anki, "Basic (and reversed card)", "Maths", ["ReLU(x)?", "max(0, x)"], ["act"])
    add(anki, "Basic", "Maths", ["f", "b"])
    (deck,) = read_text_import(export_notes(anki, tmp_path / "notes.txt")).decks
    base = card_id_for_guid(note.guid)
    cards = {c.id: (c.note_id, c.template, c.front, c.back, c.tags) for c in deck.cards}
    assert cards[base] == (base, "basic", "ReLU(x)?", "max(0, x)", ("act",))
    assert cards[f"{base}~rev"] == (base, "reverse", "max(0, x)", "ReLU(x)?", ("act",))
    assert len(cards) == 3
    (plain,) = [c for c in deck.cards if c.front == "f"]
    assert (plain.note_id, plain.template) == (None, "basic")


def test_editing_a_front_in_anki_updates_the_card(db, anki, tmp_path) -> None:
    notes = blocking_collection(anki)
    first = read_text_import(export_notes(anki, tmp_path / "notes.txt"))
    report = import_decks(db, first.decks)
    assert report.errors == [] and report.added == len(notes) + 1  # the cloze has two gaps
    note = notes["basic"]
    note["Front"] = "What is <b>frequency</b>, in words?"
    anki.update_note(note)
    again = read_text_import(export_notes(anki, tmp_path / "notes.txt"))
    report = import_decks(db, again.decks)
    assert (report.added, report.updated, report.errors) == (0, 1, [])
    renamed = read_text_import(export_notes(anki, tmp_path / "renamed file.txt"))
    report = import_decks(db, renamed.decks)
    assert (report.added, report.errors) == (0, [])
    with db.session() as session:
        assert session.query(Card).count() == len(notes) + 1
        fronts = {c.front for c in session.query(Card).all()}
        assert "What is frequency, in words?" in fronts
        names = {d.name for d in session.query(Deck).filter(Deck.origin == "import")}
    assert names == {"Physics::Waves", "Maths"}


def test_a_bad_row_is_reported_with_its_line_and_the_rest_imports(tmp_path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(
        "#separator:tab\n#html:true\n#guid column:1\n#deck column:2\n"
        "g1\tD\tq1\ta1\n"
        "g2\tD\t<br>\tno front\n"
        "g1\tD\tq1 again\tsame guid\n"
        "g3\tD\tq3\ta3\n",
        encoding="utf-8",
    )
    result = read_text_import(path)
    assert [c.front for c in result.decks[0].cards] == ["q1", "q3"]
    assert [(s.line, s.reason) for s in result.skipped] == [
        (6, "empty front"),
        (7, "the same note (guid g1) already appears at line 5"),
    ]


def test_separator_html_and_notetype_headers(tmp_path) -> None:
    path = tmp_path / "semi.txt"
    path.write_text(
        "#separator:Semicolon\n#html:false\n#notetype column:1\n#tags column:4\n"
        "Basic;x <b>y</b>;z;t1 t2\n"
        "Cloze;{{c1::Adam}} keeps two moments;;opt\n",
        encoding="utf-8",
    )
    (deck,) = read_text_import(path).decks
    assert [(c.front, c.back, c.tags, c.template, c.ordinal) for c in deck.cards] == [
        ("x <b>y</b>", "z", ("t1", "t2"), "basic", None),
        ("{{c1::Adam}} keeps two moments", "", ("opt",), "cloze", 1),
    ]
