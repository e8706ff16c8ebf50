"""The Anki import streams the review log: the same rows as converting each card's whole
history at once (the way it was done before), across batch boundaries, with days worked
out once per hour of the clock giving exactly the per-moment answer in any time zone."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from studyapp.cli import main
from studyapp.config import study_day
from studyapp.schedulers.sm2 import Sm2State
from studyapp.store.rows import day_value, ease_value
from studyapp.transfer import anki_read
from studyapp.transfer.anki_cards import (
    QUALITY,
    _easiness,
    card_histories,
    card_state,
    map_collection,
)
from studyapp.transfer.anki_read import AnkiCollection, AnkiReview, cached_days, read_collection

pytest.importorskip("anki.collection")

from tests.anki_builder import Built, build

ROLLOVER = 4


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(tmp_path_factory.mktemp("anki") / "collection")


@pytest.fixture
def anki(built: Built) -> Iterator[AnkiCollection]:
    collection = read_collection(built.current)
    yield collection
    collection.close()


def imported_log(db_file: Path, package: Path, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    monkeypatch.setenv("STUDYAPP_DB", str(db_file))
    result = CliRunner().invoke(main, ["import", str(package)])
    assert result.exit_code == 0, result.output
    connection = sqlite3.connect(db_file)
    try:
        columns = "kind, item_id, reviewed_at, day, quality, duration_ms, repeat, " + ", ".join(
            f"{prefix}{name}"
            for prefix in ("prev_", "")
            for name in ("easiness", "repetitions", "interval", "due", "lapses")
        )
        return connection.execute(
            f"SELECT id, {columns}, prev_last_review, imported FROM reviews ORDER BY id"
        ).fetchall()
    finally:
        connection.close()


def whole_history_rows(anki: AnkiCollection, day: Callable[[datetime], date]) -> list[Any]:
    """The log as the import made it before streaming: every card's whole history in hand,
    each answer's moment through astimezone, then all answers sorted by moment."""
    ids = {
        card.anki_card_id: card.id
        for card in map_collection(anki, lambda _: {}, day, "x", card_histories(anki)).cards
    }
    log: dict[int, list[AnkiReview]] = {}
    for review in anki.reviews:
        log.setdefault(review.card_id, []).append(review)
    rows = []
    for anki_id, answers in log.items():
        if anki_id not in ids:
            continue
        state, last_day = Sm2State(), None
        for answer in answers:
            if answer.ease not in QUALITY:
                continue
            moment = datetime.fromtimestamp(answer.id / 1000).astimezone()
            today = day(moment)
            failed, interval = answer.ease == 1, max(answer.ivl, 0)
            after = Sm2State(
                easiness=_easiness(answer.factor) if answer.factor else state.easiness,
                repetitions=0 if failed else state.repetitions + (1 if interval else 0),
                interval=interval,
                due=today + timedelta(days=interval),
                lapses=state.lapses + (1 if failed and answer.type == 1 else 0),
                last_review=today,
            )
            stored = [
                (ease_value(s.easiness), s.repetitions, s.interval, day_value(s.due), s.lapses)
                for s in (state, after)
            ]
            rows.append(
                (
                    answer.id,
                    ("card", ids[anki_id], answer.id, day_value(today), QUALITY[answer.ease]),
                    (answer.time_ms, int(today == last_day), *stored[0], *stored[1]),
                    (day_value(state.last_review), 1),
                )
            )
            state, last_day = after, today
    rows.sort(key=lambda row: row[0])
    return [(*a, *b, *c) for _, a, b, c in rows]


def test_the_streamed_log_gives_the_rows_of_whole_histories(
    built: Built, anki: AnkiCollection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = whole_history_rows(anki, lambda moment: study_day(moment, ROLLOVER))
    assert len(expected) >= 40 and len({row[1] for row in expected}) >= 10
    log = imported_log(tmp_path / "study.db", built.current, monkeypatch)
    assert [row[1:] for row in log] == expected
    assert [row[0] for row in log] == sorted(row[0] for row in log)  # ids in answer order


def test_schedules_read_from_the_streamed_log_match_whole_histories(anki: AnkiCollection) -> None:
    """A review card's n (its passing streak, one a day) and last review day, from the
    running summary, are those of its whole history."""
    histories = card_histories(anki)
    log: dict[int, list[AnkiReview]] = {}
    for review in anki.reviews:
        log.setdefault(review.card_id, []).append(review)
    checked = 0
    for card in anki.cards:
        answers = log.get(card.id, [])
        streak, counted = 0, None
        for answer in answers:
            if answer.ease == 1:
                streak, counted = 0, None
            elif answer.ease and answer.ivl > 0 and anki.day_of(answer.id) != counted:
                streak, counted = streak + 1, anki.day_of(answer.id)
        state = card_state(anki, card, histories.get(card.id))
        if card.type == 2 and streak:
            assert state.repetitions == streak
            checked += 1
        if card.type and answers:
            assert state.last_review == anki.day_of(answers[-1].id)
    assert checked >= 3


def test_batches_of_three_answers_give_the_same_log(
    built: Built, anki: AnkiCollection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = imported_log(tmp_path / "whole.db", built.current, monkeypatch)
    monkeypatch.setattr(anki_read, "REVLOG_BATCH", 3)
    sizes = [len(batch) for batch in anki.review_batches()]
    assert max(sizes) == 3 and len(sizes) >= 10  # many boundaries, cards' answers split
    assert imported_log(tmp_path / "small.db", built.current, monkeypatch) == whole
    again = CliRunner().invoke(main, ["import", str(built.legacy)])  # nothing twice
    assert again.exit_code == 0 and "0 review(s) added" in again.output


@pytest.mark.parametrize(
    "zone", ["Europe/Berlin", "Asia/Kathmandu", "America/St_Johns", "Australia/Lord_Howe"]
)
def test_days_worked_out_once_an_hour_are_those_of_every_moment(
    zone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole-hour, 45- and 30-minute offsets, and a half-hour daylight saving change."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:

        def day(local: datetime) -> date:
            return study_day(local, ROLLOVER)

        cached = cached_days(day)
        start = int(datetime(2024, 1, 1).timestamp() * 1000)
        for ms in range(start, start + 370 * 86_400_000, 47 * 60_000 + 13):
            assert cached(ms) == day(datetime.fromtimestamp(ms / 1000).astimezone()), ms
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize("plain", ["  a\xa0b  ", "x", "", " \xa0 ", "[sound:a.mp3] tone", "a\tb "])
def test_plain_text_fields_skip_the_html_pass_with_the_same_result(plain: str) -> None:
    from studyapp.transfer.anki_fields import html_to_text

    assert html_to_text(plain) == html_to_text(plain + "<span></span>")


def test_cards_new_here_are_written_whole_and_found_by_browse(
    built: Built, anki: AnkiCollection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cards new to studyapp are written in bulk: every field of the mapping arrives, each
    card has its own place in the new-card order, and browse's index (rebuilt once, its
    triggers back) finds them."""
    from sqlalchemy import select

    from studyapp.store import open_database
    from studyapp.store.models import Card

    def day(moment: datetime) -> date:
        return study_day(moment, ROLLOVER)

    mapped = map_collection(anki, lambda _: {}, day, built.current.name, card_histories(anki))
    db_file = tmp_path / "study.db"
    imported_log(db_file, built.current, monkeypatch)
    db = open_database(f"sqlite:///{db_file}")
    try:
        with db.session() as session:
            cards = {c.id: c for c in session.scalars(select(Card))}
            session.expunge_all()
    finally:
        db.close()
    for made in mapped.cards:
        card = cards[made.id]
        assert (card.front, card.back, card.tags.split()) == (made.front, made.back, [*made.tags])
        assert (card.note_id, card.template, card.ordinal) == (
            made.note_id,
            made.template,
            made.ordinal,
        )
        assert (card.anki_guid, card.source, card.suspended) == (
            made.guid,
            made.source,
            made.suspended,
        )
        assert (card.mnemonic, card.why, card.retired, card.added) == (
            None,
            None,
            False,
            made.added,
        )
        assert (card.easiness, card.repetitions, card.interval) == (
            made.state.easiness,
            made.state.repetitions,
            made.state.interval,
        )
        assert (card.due, card.lapses, card.last_review) == (
            made.state.due,
            made.state.lapses,
            made.state.last_review,
        )
        assert card.fsrs_stability is None
    positions = [cards[made.id].position for made in mapped.cards]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    word = "frequency"
    assert any(word in made.front.lower() for made in mapped.cards)
    connection = sqlite3.connect(db_file)
    try:
        found = connection.execute(
            "SELECT count(*) FROM cards_fts WHERE cards_fts MATCH ?", (word,)
        ).fetchone()[0]
        rows = connection.execute("SELECT count(*) FROM cards").fetchone()[0]
        indexed = connection.execute("SELECT count(*) FROM cards_fts").fetchone()[0]
        triggers = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cards'"
        ).fetchone()[0]
    finally:
        connection.close()
    assert found >= 1 and rows == indexed and triggers == 3


def with_revlog_edit(built: Built, folder: Path, edit: str) -> Path:
    """The legacy package with `edit` (SQL) run on its collection's review log."""
    import zipfile

    with zipfile.ZipFile(built.legacy) as package:
        members = {name: package.read(name) for name in package.namelist()}
    name = "collection.anki21"
    database = folder / name
    database.write_bytes(members[name])
    connection = sqlite3.connect(database)
    connection.execute(edit)
    connection.commit()
    connection.close()
    members[name] = database.read_bytes()
    out = folder / "edited.apkg"
    with zipfile.ZipFile(out, "w") as package:
        for member, data in members.items():
            package.writestr(member, data)
    return out


def test_a_review_log_with_a_value_that_is_no_number_is_refused_on_reading(
    built: Built, tmp_path: Path
) -> None:
    from studyapp.transfer.anki import PackageError

    edit = "UPDATE revlog SET ivl = 'soon' WHERE id = (SELECT max(id) FROM revlog)"
    with pytest.raises(PackageError, match="cannot be read"):
        read_collection(with_revlog_edit(built, tmp_path, edit))


def test_a_review_log_with_fractions_is_read_row_by_row(
    built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not every value an integer: each row is checked and converted, as before."""
    edit = "UPDATE revlog SET time = 250.5"  # a REAL stays one in an INTEGER column
    package = with_revlog_edit(built, tmp_path, edit)
    collection = read_collection(package)
    try:
        assert collection.revlog is not None and not collection.revlog.plain
        assert {review.time_ms for review in collection.reviews} == {250}
    finally:
        collection.close()
    log = imported_log(tmp_path / "study.db", package, monkeypatch)
    assert log and {row[6] for row in log} == {250}
