"""Reversed and cloze cards in the content format: one note, several cards, each with its
own id and schedule; sync writes the siblings and the Anki export groups them again."""

from __future__ import annotations

from pathlib import Path

import pytest

from studyapp.decks.format import DeckError, parse_deck
from studyapp.store.models import Card
from studyapp.transfer.export import write_apkg
from studyapp.transfer.restore import import_decks

HEAD = '[deck]\nid = "d"\nname = "D"\n\n'
DECK = (
    HEAD + '[[cards]]\nid = "relu"\nfront = "ReLU(x)?"\nback = "max(0, x)"\nreverse = true\n\n'
    '[[cards]]\nid = "adam"\ncloze = "{{c1::Adam}} keeps {{c2::two::how many?}} moments"\n'
    'back = "Kingma and Ba"\ntags = ["opt"]\n\n'
    '[[cards]]\nid = "plain"\nfront = "f"\nback = "b"\n'
)


def deck_file(tmp_path: Path, text: str = DECK) -> Path:
    path = tmp_path / "d.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_reverse_and_cloze_cards_give_one_card_each(tmp_path) -> None:
    spec = parse_deck(deck_file(tmp_path))
    cards = {c.id: (c.front, c.back, c.template, c.note_id, c.ordinal) for c in spec.cards}
    assert cards == {
        "relu": ("ReLU(x)?", "max(0, x)", "basic", "relu", None),
        "relu~rev": ("max(0, x)", "ReLU(x)?", "reverse", "relu", None),
        "adam~c1": (
            "{{c1::Adam}} keeps {{c2::two::how many?}} moments",
            "Kingma and Ba",
            "cloze",
            "adam",
            1,
        ),
        "adam~c2": (
            "{{c1::Adam}} keeps {{c2::two::how many?}} moments",
            "Kingma and Ba",
            "cloze",
            "adam",
            2,
        ),
        "plain": ("f", "b", "basic", None, None),
    }
    assert {c.id: c.tags for c in spec.cards}["adam~c2"] == ("opt",)


def test_a_cloze_note_keeps_its_source_and_section(tmp_path) -> None:
    text = HEAD + '[[cards]]\nid = "adam"\ncloze = "{{c1::Adam}} and {{c2::AdamW}}"\n'
    text += 'source = "002_546d246df68e4ade.txt"\nsection = "RMSprop"\n'
    spec = parse_deck(deck_file(tmp_path, text))
    assert {(c.id, c.source, c.section) for c in spec.cards} == {
        ("adam~c1", "002_546d246df68e4ade.txt", "RMSprop"),
        ("adam~c2", "002_546d246df68e4ade.txt", "RMSprop"),
    }


BAD = [
    ('id = "x"\ncloze = "no gap here"\n', "cloze", "no {{c1::…}} gap"),
    ('id = "x"\ncloze = "{{c1::a}}"\nfront = "f"\n', "front", "either front or cloze"),
    ('id = "x"\nfront = "f"\nback = "b"\nreverse = "yes"\n', "reverse", "true or false"),
    ('id = "x"\ncloze = "{{c1::a}}"\nreverse = true\n', "reverse", "a cloze card"),
]


@pytest.mark.parametrize(("body", "key", "reason"), BAD)
def test_bad_sibling_fields_name_their_line(tmp_path, body, key, reason) -> None:
    path = deck_file(tmp_path, HEAD + "[[cards]]\n" + body)
    with pytest.raises(DeckError) as caught:
        parse_deck(path)
    lines = path.read_text().splitlines()
    assert reason in caught.value.reason
    assert lines[caught.value.line - 1].startswith(key)


def test_import_writes_the_siblings_with_their_note(db, tmp_path) -> None:
    report = import_decks(db, [parse_deck(deck_file(tmp_path))])
    assert (report.added, report.errors) == (5, [])
    with db.session() as session:
        rows = {
            c.id: (c.note_id, c.template, c.ordinal, c.front) for c in session.query(Card).all()
        }
    assert rows["relu~rev"] == ("relu", "reverse", None, "max(0, x)")
    assert rows["adam~c2"][:3] == ("adam", "cloze", 2)
    assert rows["plain"] == (None, "basic", None, "f")
    again = import_decks(db, [parse_deck(deck_file(tmp_path))])
    assert (again.added, again.updated) == (0, 0)


def test_siblings_go_to_anki_as_reversed_and_cloze_notes(db, tmp_path) -> None:
    anki_collection = pytest.importorskip("anki.collection")
    from datetime import date, timedelta

    import_decks(db, [parse_deck(deck_file(tmp_path))])
    due = date.today() + timedelta(days=5)
    with db.session() as session, session.begin():
        for card_id, interval in (("relu~rev", 7), ("adam~c2", 11)):
            card = session.get(Card, card_id)
            assert card is not None
            card.due, card.interval, card.repetitions = due, interval, 2
    package = tmp_path / "siblings.apkg"
    assert write_apkg(db, package) == 5
    (tmp_path / "anki").mkdir()
    col = anki_collection.Collection(str(tmp_path / "anki" / "collection.anki2"))
    try:
        col.import_anki_package(
            anki_collection.ImportAnkiPackageRequest(
                package_path=str(package),
                options=anki_collection.ImportAnkiPackageOptions(with_scheduling=True),
            )
        )
        notes = {}
        for note_id in col.find_notes(""):
            note = col.get_note(note_id)
            cards = sorted(note.cards(), key=lambda c: c.ord)
            notes[note["Id"]] = (
                note.note_type()["type"],
                len(note.keys()),
                [(c.ord, c.ivl, c.type) for c in cards],
                [c.question() for c in cards],
            )
    finally:
        col.close()
    assert set(notes) == {"relu", "adam", "plain"}
    kind, _, cards, questions = notes["relu"]
    assert kind == 0 and cards == [(0, 0, 0), (1, 7, 2)]
    assert "max(0, x)" in questions[1]
    kind, _, cards, questions = notes["adam"]
    assert kind == 1 and cards == [(0, 0, 0), (1, 11, 2)]
    assert ">[...]</span> keeps" in questions[0] and ">Adam<" not in questions[0]
    assert ">[how many?]</span> moments" in questions[1]


# --- the JSON backup carries the note model -------------------------------------------------

NO_EXTRA = '\n[[cards]]\nid = "bare"\ncloze = "a {{c1::gap}} alone"\n'


def _note_columns(db) -> dict[str, tuple[object, ...]]:
    with db.session() as session:
        return {
            c.id: (c.note_id, c.template, c.ordinal, c.anki_guid, c.front, c.back)
            for c in session.query(Card).all()
        }


def _backup(db, tmp_path: Path, settings) -> dict[str, object]:
    from sqlalchemy import update

    from studyapp.review.cards import ReviewSession
    from studyapp.store.models import Review
    from studyapp.transfer.backup import export_json

    import_decks(db, [parse_deck(deck_file(tmp_path, DECK + NO_EXTRA))])
    with db.write_session() as session:
        session.execute(update(Card).where(Card.id == "relu").values(anki_guid="g:relu"))
        session.commit()
    review = ReviewSession(db, settings)
    review.grade(4, duration_ms=1000)
    with db.write_session() as session:
        session.execute(update(Review).values(imported=True))
        session.commit()
    return export_json(db)


def test_a_backup_restores_siblings_guids_and_imported_reviews(db, tmp_path, settings) -> None:
    import json

    from studyapp.store.models import Review
    from studyapp.transfer.restore import read_json, restore_json

    document = _backup(db, tmp_path, settings)
    before = _note_columns(db)
    assert before["relu~rev"][:3] == ("relu", "reverse", None)
    assert before["bare~c1"][5] == ""  # a cloze without an extra has an empty back
    path = tmp_path / "backup.json"
    path.write_text(json.dumps(document))
    restore_json(db, read_json(path), replace=True)
    assert _note_columns(db) == before
    with db.session() as session:
        assert [r.imported for r in session.query(Review).all()] == [True]


def test_an_older_backup_restores_basic_cards_of_their_own(db, tmp_path, settings) -> None:
    import json

    from studyapp.store.models import Review
    from studyapp.transfer.restore import read_json, restore_json

    document = _backup(db, tmp_path, settings)
    for card in document["cards"]:  # type: ignore[attr-defined]
        for key in ("note_id", "template", "ordinal", "anki_guid"):
            card.pop(key, None)
        card["back"] = card["back"] or "x"
    for review in document["reviews"]:  # type: ignore[attr-defined]
        review.pop("imported", None)
    path = tmp_path / "older.json"
    path.write_text(json.dumps(document))
    restore_json(db, read_json(path), replace=True)
    rows = _note_columns(db)
    assert {row[:4] for row in rows.values()} == {(None, "basic", None, None)}
    with db.session() as session:
        assert [r.imported for r in session.query(Review).all()] == [False]


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("template", "upside-down", "cards[0].template: 'upside-down' is not one of"),
        ("ordinal", 0, "cards[0].ordinal: 0 is outside 1..32767"),
        ("note_id", "a b", "cards[0].note_id: 'a b' is not a valid id"),
        ("anki_guid", 7, "cards[0].anki_guid: expected a string"),
        ("imported", "yes", "reviews[0].imported: expected true or false"),
    ],
)
def test_wrong_note_fields_in_a_backup_are_named(
    db, tmp_path, settings, key, value, reason
) -> None:
    import json

    from studyapp.transfer.restore import ImportProblem, read_json

    document = _backup(db, tmp_path, settings)
    section = "reviews" if key == "imported" else "cards"
    document[section][0][key] = value  # type: ignore[index]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ImportProblem) as caught:
        read_json(path)
    assert reason in str(caught.value) and "\n" not in str(caught.value)


# --- our own .apkg coming home ---------------------------------------------------------------


def test_our_reversed_and_cloze_notes_come_home_with_ids_and_schedules(
    db, tmp_path, template_db
) -> None:
    import shutil
    from datetime import date, datetime, timedelta

    from studyapp.store import open_database
    from studyapp.transfer.anki_import import import_anki
    from studyapp.transfer.anki_read import read_collection

    import_decks(db, [parse_deck(deck_file(tmp_path))])
    due = date.today() + timedelta(days=5)
    with db.session() as session, session.begin():
        for card_id, interval in (("relu~rev", 7), ("adam~c2", 11), ("relu", 3)):
            card = session.get(Card, card_id)
            assert card is not None
            card.due, card.interval, card.repetitions = due, interval, 2
            card.last_review = due - timedelta(days=interval)
    package = tmp_path / "siblings.apkg"
    write_apkg(db, package)
    before = _note_columns(db)
    home = tmp_path / "home.db"
    shutil.copy(template_db, home)
    elsewhere = open_database(f"sqlite:///{home}")
    try:
        report = import_anki(
            elsewhere,
            read_collection(package),
            package,
            study_day=lambda moment: datetime.date(moment),
        )
        assert report.skipped == []
        after = _note_columns(elsewhere)
        with elsewhere.session() as session:
            schedules = {
                c.id: (c.interval, c.due, c.repetitions) for c in session.query(Card).all()
            }
    finally:
        elsewhere.close()
    assert set(after) == set(before)
    assert {k: v[:3] for k, v in after.items()} == {k: v[:3] for k, v in before.items()}
    assert {k: v[4:] for k, v in after.items()} == {k: v[4:] for k, v in before.items()}
    assert schedules["relu~rev"][:2] == (7, due)
    assert schedules["adam~c2"][:2] == (11, due)
    assert schedules["relu"][:2] == (3, due)
    assert schedules["adam~c1"] == (0, None, 0)
