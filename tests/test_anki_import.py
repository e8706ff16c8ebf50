"""Anki -> studyapp with the real `anki` library: every card of every note, the schedule and
the whole review log, card by card, from legacy, zstd (.anki21b) and .colpkg packages; a
moved note, a bundled-deck name clash, and re-imports that update instead of duplicating."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from studyapp.cli import LateProgress, main
from studyapp.store import open_database
from studyapp.store.models import Card, Deck, Review
from studyapp.transfer.anki import PackageError
from studyapp.transfer.anki_read import read_collection
from tests.helpers import assert_totals_match_log

pytest.importorskip("anki.collection")

from tests.anki_builder import Built, build

CONTENT = Path(__file__).parent.parent / "content"
QUALITY = {1: 1, 2: 3, 3: 4, 4: 5}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(tmp_path_factory.mktemp("anki") / "collection")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A studyapp home whose content has the bundled Optimizers deck."""
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(CONTENT / "optimizers.toml", content)
    monkeypatch.setenv("STUDYAPP_CONTENT", str(content))
    monkeypatch.setenv("STUDYAPP_DB", str(tmp_path / "study.db"))
    return tmp_path / "study.db"


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def card_id(guid: str, ord_: int, kind: str) -> str:
    base = f"anki-{hashlib.sha1(guid.encode()).hexdigest()[:16]}"
    return {"reverse": f"{base}~rev", "cloze": f"{base}~c{ord_ + 1}"}.get(kind, base)


def kind_of(built: Built, guid: str, ord_: int) -> str:
    if guid == built.guids["cloze"]:
        return "cloze"
    return "reverse" if guid == built.guids["reversed"] and ord_ == 1 else "basic"


def stored(db_file: Path) -> Iterator[Any]:
    db = open_database(f"sqlite:///{db_file}")
    try:
        with db.session() as session:
            cards = {c.id: c for c in session.scalars(select(Card))}
            reviews = list(session.scalars(select(Review).order_by(Review.reviewed_at)))
            decks = {d.id: d for d in session.scalars(select(Deck))}
            session.expunge_all()
        yield cards, reviews, decks
    finally:
        db.close()


def load(db_file: Path) -> tuple[dict[str, Card], list[Review], dict[str, Deck]]:
    return next(stored(db_file))


@pytest.mark.parametrize("package", ["legacy", "current", "colpkg"])
def test_every_card_arrives_with_its_anki_schedule(built: Built, home: Path, package: str) -> None:
    run("import", str(getattr(built, package)))
    cards, _, _ = load(home)
    today = (datetime.now().astimezone() - timedelta(hours=4)).date()
    for anki in built.cards.values():
        card = cards[card_id(anki["guid"], anki["ord"], kind_of(built, anki["guid"], anki["ord"]))]
        assert card.anki_guid == anki["guid"]
        assert card.suspended == (anki["queue"] == -1)
        assert card.lapses == anki["lapses"]
        assert card.tags.split() == sorted(anki["tags"]) or card.tags.split() == anki["tags"]
        if anki["type"] == 0:
            assert card.due is None and card.repetitions == 0
            continue
        factor = anki["factor"]  # 0 for a card still in its first learning steps
        assert card.easiness == (max(1.3, factor / 1000) if factor else 2.5)
        if anki["type"] == 2:
            assert (card.interval, card.due) == (anki["ivl"], anki["due_date"])
            assert card.repetitions >= 1
        else:  # learning and relearning: SM-2 after a first or a failing grade
            assert card.repetitions == 0
            assert card.due is not None and abs((card.due - today).days) <= 1


def test_the_whole_review_log_comes_with_grades(built: Built, home: Path) -> None:
    run("import", str(built.current))
    cards, reviews, _ = load(home)
    by_anki = {
        card_id(a["guid"], a["ord"], kind_of(built, a["guid"], a["ord"])): cid
        for cid, a in built.cards.items()
    }
    logged: dict[str, list[int]] = {}
    for review in reviews:
        assert review.imported and review.kind == "card"
        logged.setdefault(review.item_id, []).append(review.quality)
    expected = {
        ours: [QUALITY[e] for e in built.revlog.get(anki, [])]
        for ours, anki in by_anki.items()
        if built.revlog.get(anki)
    }
    assert logged == expected
    assert sum(len(v) for v in expected.values()) >= 40  # 48 answers in six days
    days = {review.day for review in reviews}
    assert len(days) >= 5  # six simulated days of answers
    leech = cards[card_id(built.guids["leech"], 0, "basic")]
    assert leech.suspended and "leech" in leech.tags.split() and leech.lapses == 2
    connection = sqlite3.connect(home)
    assert_totals_match_log(connection)
    connection.close()


def test_every_note_type_keeps_every_field(built: Built, home: Path) -> None:
    run("import", str(built.legacy))
    cards, _, decks = load(home)
    cloze = {n: cards[card_id(built.guids["cloze"], n - 1, "cloze")] for n in (1, 2, 3, 4)}
    assert all(c.template == "cloze" and c.ordinal == n for n, c in cloze.items())
    assert len({c.note_id for c in cloze.values()}) == 1
    assert cloze[2].front.startswith("{{c1::Adam}} keeps {{c2::two moments::how many?}}")
    assert cloze[1].back == "Kingma and Ba"
    front = cards[card_id(built.guids["reversed"], 0, "basic")]
    back = cards[card_id(built.guids["reversed"], 1, "reverse")]
    assert (front.front, front.back) == ("momentum", "β = 0.9")
    assert (back.front, back.back, back.template) == ("β = 0.9", "momentum", "reverse")
    assert front.note_id == back.note_id is not None
    vocab = cards[card_id(built.guids["vocab"], 0, "basic")]
    assert vocab.front == "gradient"
    assert vocab.back == "slope of the loss\n\nExample: follow it downhill"
    assert vocab.easiness == 2.65 or vocab.easiness > 2.5
    image = cards[card_id(built.guids["image"], 0, "basic")]
    assert image.front == "Which animal? [image: chat.png]"
    assert image.back == "a cat [audio: miaou.mp3]"
    image_only = cards[card_id(built.guids["image-only"], 0, "basic")]
    assert image_only.front == "[image: chat.png]" and not image_only.suspended  # was buried
    waves = cards[card_id(built.guids["basic"], 0, "basic")]
    assert decks[waves.deck_id].name == "Physics::Waves" and waves.front == "What is frequency?"


def test_a_deck_named_like_a_bundled_one_stays_apart_and_survives_a_restart(
    built: Built, home: Path
) -> None:
    run("import", str(built.current))
    cards, _, decks = load(home)
    bundled = {c.id for c in cards.values() if c.deck_id == "optimizers"}
    momentum = cards[card_id(built.guids["reversed"], 0, "basic")]
    assert momentum.deck_id == "optimizers-anki"
    assert decks["optimizers-anki"].name == "Optimizers (Anki)"
    assert decks["optimizers"].origin == "bundled" and decks["optimizers"].name == "Optimizers"
    run("decks")  # a start: the bundled deck files are synced again
    after, _, _ = load(home)
    assert not any(c.retired for c in after.values())
    assert {c.id for c in after.values() if c.deck_id == "optimizers"} == bundled


def test_a_moved_and_edited_note_updates_in_place(built: Built, home: Path) -> None:
    run("import", str(built.current))
    before, reviews, _ = load(home)
    out = run("import", str(built.moved))
    assert "0 new card(s)" in out
    after, again, decks = load(home)
    assert set(after) == set(before) and len(again) == len(reviews)
    moved = after[card_id(built.moved_guid, 0, "basic")]
    assert decks[moved.deck_id].name == "Physics::Sound"
    assert moved.front == "What is frequency, in Hz?"


def studied_here(db_file: Path, card: str) -> None:
    """Grade `card` in studyapp: a logged grade of ours and a new state."""
    connection = sqlite3.connect(db_file)
    connection.execute(
        "UPDATE cards SET interval = 40, repetitions = 7, easiness = 270 WHERE id = ?", (card,)
    )
    connection.execute(
        "INSERT INTO reviews (kind, item_id, reviewed_at, day, quality, duration_ms, repeat, "
        "prev_easiness, prev_repetitions, prev_interval, prev_lapses, easiness, repetitions, "
        "interval, lapses) VALUES ('card', ?, 1, 739000, 5, 0, 0, 250, 6, 20, 0, 270, 7, 40, 0)",
        (card,),
    )
    connection.commit()
    connection.close()


def test_schedule_keep_leaves_cards_studied_here_and_anki_takes_anki_s(
    built: Built, home: Path
) -> None:
    run("import", str(built.current))
    studied = card_id(built.guids["basic"], 0, "basic")
    fresh = card_id(built.guids["vocab"], 0, "basic")
    studied_here(home, studied)
    run("import", str(built.moved))
    cards, _, _ = load(home)
    assert (cards[studied].interval, cards[studied].repetitions) == (40, 7)
    assert cards[studied].front == "What is frequency, in Hz?"  # the text still follows Anki
    assert cards[fresh].interval == built.cards[_anki_id(built, "vocab")]["ivl"]
    run("import", "--schedule", "anki", str(built.moved))
    cards, reviews, _ = load(home)
    assert cards[studied].interval == built.cards[_anki_id(built, "basic")]["ivl"]
    assert any(not r.imported and r.item_id == studied for r in reviews)  # history kept


def _anki_id(built: Built, name: str) -> int:
    return next(i for i, a in built.cards.items() if a["guid"] == built.guids[name])


def test_importing_twice_adds_nothing(built: Built, home: Path) -> None:
    run("import", str(built.current))
    first = load(home)
    out = run("import", str(built.legacy))
    second = load(home)
    assert "0 new card(s)" in out and "0 review(s) added" in out
    assert set(first[0]) == set(second[0]) and len(first[1]) == len(second[1])


def test_the_zstd_and_legacy_collections_read_the_same(built: Built) -> None:
    legacy, current = read_collection(built.legacy), read_collection(built.current)
    assert legacy.created == current.created and legacy.rollover == current.rollover
    assert sorted(legacy.decks.values()) == sorted(current.decks.values())
    assert legacy.cards == current.cards and legacy.reviews == current.reviews
    assert [n.guid for n in legacy.notes] == [n.guid for n in current.notes]
    cloze = {t.name: t.cloze for t in current.note_types.values()}
    assert cloze["Cloze"] and not cloze["Basic"]


def test_a_damaged_zstd_collection_is_one_line(tmp_path: Path) -> None:
    import zipfile

    package = tmp_path / "broken.apkg"
    with zipfile.ZipFile(package, "w") as out:
        out.writestr("collection.anki21b", b"\x28\xb5\x2f\xfd" + b"garbage" * 10)
    with pytest.raises(PackageError, match="damaged"):
        read_collection(package)


def test_the_progress_bar_waits_a_second_before_showing() -> None:
    with LateProgress("quick", delay=3600) as quick:
        quick.update(1, 2)
        assert quick.bar is None
    with LateProgress("slow", delay=0) as slow:
        slow.update(1, 2)
        assert slow.bar is not None
        assert slow.bar.tasks[0].completed == 1


def test_studyapp_to_anki_and_back_restores_every_schedule(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import anki.collection as anki_collection

    run("decks")  # the bundled Optimizers deck arrives
    connection = sqlite3.connect(home)
    ids = [row[0] for row in connection.execute("SELECT id FROM cards ORDER BY position")]
    day = datetime.now().astimezone().date().toordinal()
    for n, card in enumerate(ids[:6]):
        connection.execute(
            "UPDATE cards SET interval = ?, easiness = ?, repetitions = ?, lapses = ?, due = ?, "
            "last_review = ?, suspended = ? WHERE id = ?",
            (3 + 5 * n, 250 - 12 * n, 1 + n, n % 3, day + n, day + n - 3 - 5 * n, n == 4, card),
        )
    connection.commit()
    connection.close()
    before, _, _ = load(home)
    out = tmp_path / "out.apkg"
    run("export", "--format", "apkg", "-o", str(out))
    folder = tmp_path / "anki-side"
    folder.mkdir()
    col = anki_collection.Collection(str(folder / "collection.anki2"))
    try:
        col.import_anki_package(
            anki_collection.ImportAnkiPackageRequest(
                package_path=str(out),
                options=anki_collection.ImportAnkiPackageOptions(with_scheduling=True),
            )
        )
        back = tmp_path / "back.apkg"
        options = anki_collection.ExportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=False, with_media=False, legacy=False
        )
        col.export_anki_package(out_path=str(back), options=options, limit=None)
    finally:
        col.close()
    elsewhere = tmp_path / "elsewhere.db"
    monkeypatch.setenv("STUDYAPP_DB", str(elsewhere))
    run("import", str(back))
    after, _, decks = load(elsewhere)

    def schedule(card: Card) -> tuple[Any, ...]:
        return (card.deck_id, card.interval, card.easiness, card.due, card.lapses, card.suspended)

    assert set(after) == set(before)
    assert {i: schedule(after[i]) for i in ids} == {i: schedule(before[i]) for i in ids}
    assert "optimizers-anki" not in decks


def test_anki_notes_go_back_to_anki_as_the_same_notes_in_the_same_decks(
    built: Built, home: Path, tmp_path: Path
) -> None:
    """Exported again, a note from Anki keeps its GUID (Anki updates it in place), its deck
    name (not studyapp::<slug>; "Default" is Anki's deck 1, not a new "Default_") and
    every cloze card, a gap nested in another included."""
    run("import", str(built.current))
    package = tmp_path / "back.apkg"
    run("export", "--format", "apkg", "-o", str(package))
    with zipfile.ZipFile(package) as archive:
        archive.extract("collection.anki2", tmp_path)
    anki = sqlite3.connect(tmp_path / "collection.anki2")
    try:
        decks = {
            int(k): v["name"]
            for k, v in json.loads(anki.execute("SELECT decks FROM col").fetchone()[0]).items()
        }
        rows = anki.execute(
            "SELECT n.guid, c.ord, c.did FROM cards c JOIN notes n ON n.id = c.nid"
        ).fetchall()
    finally:
        anki.close()
    placed = {(guid, order): decks[did] for guid, order, did in rows}
    assert placed[(built.guids["cloze"], 3)] == "Optimizers"  # c4, nested in c3
    assert {o for g, o in placed if g == built.guids["cloze"]} == {0, 1, 2, 3}
    assert placed[(built.guids["basic"], 0)] == "Physics::Waves"
    assert placed[(built.guids["reversed"], 1)] == "Optimizers"
    assert placed[(built.guids["leech"], 0)] == "Hard words"
    assert placed[(built.guids["new"], 0)] == "Default" and decks[1] == "Default"
