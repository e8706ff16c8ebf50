"""A realistic Anki collection, built and studied with the real `anki` library.

Basic, Basic-and-reversed, Cloze (several numbers, a hint, a nested gap), a 4-field note
type, an image and a sound, subdecks, tags, a deck named like a bundled one, six simulated
days of answers (each day the collection's creation time moves back a day and the log
moves back with it, so Anki's own scheduler sees time pass), a leech (auto-suspended after
two lapses), a suspended card, a buried card, a card left in learning and one never studied.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

DAYS = 6
DAY_MS = 86_400_000


@dataclass(frozen=True)
class Built:
    """The packages and what Anki itself says about every card after the last day."""

    legacy: Path  # collection.anki21 in an .apkg
    current: Path  # collection.anki21b (zstd) in an .apkg
    colpkg: Path  # a whole-collection backup, current format
    moved: Path  # the same, after a note moved deck and a front was edited
    cards: dict[int, dict[str, Any]]  # Anki card id -> its columns and Anki's own dates
    revlog: dict[int, list[int]]  # Anki card id -> the eases of its answers, in order
    guids: dict[str, str]  # a name for each note -> its GUID
    moved_guid: str


def study(col: Any, rating: Any) -> None:
    """Answer every card the selected deck asks for now, learning steps included."""
    for _ in range(500):
        queued = col.sched.get_queued_cards(fetch_limit=1)
        if not queued.cards:
            return
        queued_card = queued.cards[0]
        card = col.get_card(queued_card.card.id)
        card.start_timer()
        answer = col.sched.build_answer(card=card, states=queued_card.states, rating=rating(card))
        col.sched.answer_card(answer)


def build(folder: Path, days: int = DAYS) -> Built:
    import anki.collection as anki_collection
    from anki.scheduler.v3 import CardAnswer

    folder.mkdir(parents=True, exist_ok=True)
    path = str(folder / "collection.anki2")
    col = anki_collection.Collection(path)
    waves = col.decks.id("Physics::Waves")
    optimizers = col.decks.id("Optimizers")
    leech_deck = col.decks.id("Hard words")
    config = col.decks.config_dict_for_deck_id(leech_deck)
    config = col.decks.add_config_returning_id("leechy")
    conf = col.decks.get_config(config)
    conf["lapse"]["leechFails"] = 2
    conf["lapse"]["leechAction"] = 0  # suspend
    col.decks.update_config(conf)
    deck = col.decks.get(leech_deck)
    deck["conf"] = config
    col.decks.save(deck)

    vocab = col.models.new("Vocab (4 fields)")
    for name in ("Word", "Meaning", "Example", "Source"):
        col.models.add_field(vocab, col.models.new_field(name))
    template = col.models.new_template("Card 1")
    template["qfmt"], template["afmt"] = "{{Word}}", "{{Meaning}}<hr>{{Example}}"
    col.models.add_template(vocab, template)
    col.models.add(vocab)

    def add(name: str, model: str, fields: dict[str, str], deck: int, tags: list[str]) -> None:
        note = col.new_note(col.models.by_name(model))
        for key, value in fields.items():
            note[key] = value
        note.tags = tags
        col.add_note(note, deck)
        guids[name], note_ids[name] = note.guid, note.id

    guids: dict[str, str] = {}
    note_ids: dict[str, int] = {}

    def cards_of(name: str) -> Any:
        return col.card_ids_of_note(note_ids[name])

    add(
        "basic",
        "Basic",
        {"Front": "What is <b>frequency</b>?", "Back": "Cycles per second"},
        waves,
        ["physics"],
    )
    add(
        "reversed",
        "Basic (and reversed card)",
        {"Front": "momentum", "Back": "β = 0.9"},
        optimizers,
        ["opt"],
    )
    add(
        "cloze",
        "Cloze",
        {
            "Text": "{{c1::Adam}} keeps {{c2::two moments::how many?}} per weight; "
            "{{c3::bias correction fixes {{c4::the first steps}}}}",
            "Back Extra": "Kingma and Ba",
        },
        optimizers,
        ["opt", "cloze"],
    )
    add(
        "vocab",
        "Vocab (4 fields)",
        {
            "Word": "gradient",
            "Meaning": "slope of the loss",
            "Example": "follow it downhill",
            "Source": "",
        },
        waves,
        [],
    )
    add(
        "image",
        "Basic",
        {"Front": 'Which animal? <img src="chat.png">', "Back": "a cat [sound:miaou.mp3]"},
        waves,
        ["media"],
    )
    add("image-only", "Basic", {"Front": '<img src="chat.png">', "Back": "cat"}, waves, [])
    add("leech", "Basic", {"Front": "ephemeral", "Back": "short-lived"}, leech_deck, ["words"])
    add("suspended", "Basic", {"Front": "SGD step", "Back": "θ ← θ − η g"}, optimizers, [])
    add("new", "Basic", {"Front": "never studied", "Back": "yet"}, 1, [])

    def rating(card: Any) -> Any:
        if guids["leech"] == card.note().guid and card.type == 2:
            return CardAnswer.AGAIN
        if guids["vocab"] == card.note().guid:
            return CardAnswer.EASY
        return CardAnswer.GOOD

    new_id = cards_of("new")
    col.sched.suspend_cards(new_id)  # kept out of study; unsuspended below
    for day in range(days):
        for deck_id in (1, waves, optimizers, leech_deck):
            col.decks.select(deck_id)
            study(col, rating)
        if day == days - 1:
            break
        col.close()
        col = anki_collection.Collection(path)
        col.db.execute("UPDATE col SET crt = crt - 86400")
        col.db.execute("UPDATE revlog SET id = id - ?", DAY_MS)
        col.db.execute("UPDATE cards SET due = due - 86400 WHERE queue IN (1, 4)")
        col.close()
        col = anki_collection.Collection(path)
    col.sched.unsuspend_cards(new_id)
    col.sched.suspend_cards(cards_of("suspended"))
    add("learning", "Basic", {"Front": "fresh card", "Back": "in learning"}, waves, [])
    learning = cards_of("learning")
    card = col.get_card(learning[0])
    card.start_timer()
    states = col._backend.get_scheduling_states(card.id)
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=CardAnswer.AGAIN))
    col.sched.bury_cards(cards_of("image-only"))

    today = col.sched.today
    from datetime import datetime, timedelta

    rollover = int(col.get_config("rollover", 4))
    today_date = (datetime.now().astimezone() - timedelta(hours=rollover)).date()
    cards: dict[int, dict[str, Any]] = {}
    for cid, nid, order, kind, queue, due, ivl, factor, reps, lapses in col.db.all(
        "SELECT id, nid, ord, type, queue, due, ivl, factor, reps, lapses FROM cards"
    ):
        guid = col.db.scalar("SELECT guid FROM notes WHERE id = ?", nid)
        cards[cid] = {
            "guid": guid,
            "ord": order,
            "type": kind,
            "queue": queue,
            "ivl": ivl,
            "factor": factor,
            "reps": reps,
            "lapses": lapses,
            "due_date": today_date + timedelta(days=due - today) if kind == 2 else None,
            "tags": col.get_note(nid).tags,
        }
    revlog: dict[int, list[int]] = {}
    for cid, ease in col.db.all("SELECT cid, ease FROM revlog ORDER BY id"):
        revlog.setdefault(cid, []).append(ease)

    def export(name: str, legacy: bool) -> Path:
        out = folder / name
        options = anki_collection.ExportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=True, with_media=False, legacy=legacy
        )
        col.export_anki_package(out_path=str(out), options=options, limit=None)
        return out

    legacy, current = export("legacy.apkg", True), export("current.apkg", False)
    colpkg = folder / "backup.colpkg"
    col.export_collection_package(str(colpkg), include_media=False, legacy=False)
    col = anki_collection.Collection(path)
    moved_note = col.get_note(note_ids["basic"])
    moved_note["Front"] = "What is frequency, in Hz?"
    col.update_note(moved_note)
    col.set_deck(moved_note.card_ids(), col.decks.id("Physics::Sound"))
    moved = export("moved.apkg", False)
    col.close()
    return Built(legacy, current, colpkg, moved, cards, revlog, guids, guids["basic"])
