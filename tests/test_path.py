"""The learning path (content/path.toml): the file, the opening rule, the day it builds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from studyapp.cli import main
from studyapp.collection import Collection
from studyapp.config import REPO_ROOT, FixedClock, Settings, parse_preference
from studyapp.decks.files import deck_files
from studyapp.decks.path import PATH_FILE, PathError, check_path, load_path
from studyapp.drills import registry
from studyapp.progress.estimate import minutes_today
from studyapp.progress.opening import deck_met, interleave
from tests.conftest import NOON

CONTENT = REPO_ROOT / "content"
DAY_ONE_DECKS = {"neuron", "forward_pass", "memory_tricks"}


def bundled_deck_ids() -> list[str]:
    return [p.stem for p in deck_files(CONTENT)]


def test_the_bundled_path_loads_clean_and_names_every_deck_and_topic() -> None:
    path = load_path(CONTENT / PATH_FILE)
    assert check_path(path, bundled_deck_ids(), registry()) == []
    assert path.order("deck")[:3] == ["neuron", "forward_pass", "memory_tricks"]
    assert path.order("topic")[:3] == ["neuron", "affine_layer", "forward_pass"]
    for late in ("attention", "normalization", "optimizers"):
        assert path.requires()[("deck", late)], late


GOOD = '[decks]\na = {}\nb = { decks = ["a"] }\n\n[topics]\nt = { decks = ["b"] }\n'


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (GOOD.replace("[topics]", "[topic]"), 5, "unknown table [topic]"),
        (GOOD.replace('b = { decks = ["a"] }', "b = a"), 3, "cannot read this line"),
        (GOOD.replace('decks = ["a"]', 'decks = ["z"]'), 3, "waits for unknown deck 'z'"),
        (GOOD.replace('decks = ["a"]', 'decks = ["b"]'), 3, "waits for itself"),
        (GOOD.replace("a = {}", 'a = { decks = ["b"] }'), 2, "circular prerequisites"),
        (GOOD.replace("a = {}", "a = {}\na = {}"), 3, "listed twice"),
        (GOOD.replace('decks = ["a"]', 'deck = ["a"]'), 3, "unknown key 'deck'"),
        (GOOD.replace('["a"]', "[a]"), 3, "is not a quoted id"),
        ("a = {}\n" + GOOD, 1, "before any [decks] or [topics]"),
    ],
)
def test_each_mistake_is_reported_with_file_and_line(
    tmp_path: Path, text: str, line: int, reason: str
) -> None:
    file = tmp_path / PATH_FILE
    file.write_text(text)
    with pytest.raises(PathError) as raised:
        load_path(file)
    assert raised.value.line == line
    assert str(raised.value).startswith(f"{file}:{line}: ")
    assert reason in raised.value.reason


def test_unknown_and_missing_ids_are_reported(tmp_path: Path) -> None:
    file = tmp_path / PATH_FILE
    file.write_text(GOOD)
    errors = [str(e) for e in check_path(load_path(file), ["a", "c"], ["t", "u"])]
    assert errors == [
        f"{file}:3: unknown deck 'b'",
        f"{file}: deck 'c' is missing from [decks]",
        f"{file}: topic 'u' is missing from [topics]",
    ]


def test_the_path_file_is_not_read_as_a_deck() -> None:
    from studyapp.decks.format import load_decks

    decks, errors = load_decks(CONTENT)
    assert errors == [] and "path" not in {d.id for d in decks}


def test_opening_rule_and_interleaving() -> None:
    assert deck_met(8, 10) and not deck_met(7, 10) and deck_met(0, 0)
    assert interleave([["a1", "a2", "a3"], ["b1"], ["c1", "c2"]], 5) == [
        "a1",
        "b1",
        "c1",
        "a2",
        "c2",
    ]
    assert interleave([["a1"], []], 9) == ["a1"]


def test_minutes_estimate_with_and_without_history() -> None:
    assert minutes_today(0, 0) == 0
    assert minutes_today(12, 2) == 5  # 12 x 10 s + 2 x 90 s = 300 s, defaults
    # the learner's own pace: medians, so one card left open for ten minutes does not count
    assert minutes_today(12, 2, [4000, 6000, 5000, 600_000], [60_000, 0, 30_000]) == 3
    assert minutes_today(1, 0, [1000]) == 1  # a started minute is a minute


def test_new_topics_per_day_is_a_validated_preference() -> None:
    assert Settings().new_topics_per_day == 3
    assert parse_preference("new_topics_per_day", "5") == 5
    with pytest.raises(ValueError, match="between 0 and 999"):
        parse_preference("new_topics_per_day", "-1")


# -------------------------------------------------------------- the day, on the bundled content


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOON)


@pytest.fixture
def collection(db_path: Path, clock: FixedClock):
    opened = Collection.open(str(db_path), Settings(clock=clock), content=CONTENT)
    opened.sync_topics()
    yield opened
    opened.close()


def deck_of(card_id: str, collection: Collection) -> str:
    found = collection.card(card_id)
    assert found is not None
    return found.deck_id


def test_day_one_brings_the_first_decks_interleaved(collection: Collection) -> None:
    session = collection.review()
    decks = [deck_of(card, collection) for card in session.queue]
    assert len(decks) == 20
    assert set(decks) == DAY_ONE_DECKS
    assert decks[:6] == ["neuron", "forward_pass", "memory_tricks"] * 2
    neuron = [c for c in session.queue if deck_of(c, collection) == "neuron"]
    from studyapp.decks.format import load_decks

    in_file = next(d for d in load_decks(CONTENT)[0] if d.id == "neuron").cards
    assert neuron == [card.id for card in in_file][: len(neuron)]  # the file's order


def test_a_deck_picked_by_hand_ignores_the_path(collection: Collection) -> None:
    session = collection.review(["attention"])
    assert session.total > 0
    assert {deck_of(card, collection) for card in session.queue} == {"attention"}


def study_day(collection: Collection) -> None:
    session = collection.review()
    while session.current is not None:
        session.grade(5)


def test_a_deck_opens_once_its_prerequisite_is_mostly_seen(
    collection: Collection, clock: FixedClock
) -> None:
    opened_on = None
    for day in range(1, 8):
        home = collection.home()
        decks = {d.id: d for d in home.decks}
        session = collection.review()
        new_decks = {deck_of(c, collection) for c in session.queue if collection.card(c).is_new}
        if decks["activations"].new:
            assert ("activations" in new_decks) == decks["activations"].opened
        if decks["activations"].opened and opened_on is None:
            opened_on = day
            with collection.db.session() as s:
                from sqlalchemy import func, select

                from studyapp.store.models import Card

                seen = s.scalar(
                    select(func.count()).where(Card.deck_id == "neuron", Card.due.is_not(None))
                )
                total = s.scalar(select(func.count()).where(Card.deck_id == "neuron"))
            assert seen * 100 >= total * 80
        while session.current is not None:
            session.grade(5)
        clock.advance(days=1)
    # day one shows 7 of neuron's 12 cards, day two the other 5: activations opens on day 3
    assert opened_on == 3
    assert not {d.id: d for d in collection.home().decks}["attention"].opened


def test_new_topics_per_day_on_day_one_and_a_later_day(
    collection: Collection, clock: FixedClock
) -> None:
    home = collection.home()
    session = collection.drill(seed=1)
    assert list(session.queue) == ["neuron", "affine_layer", "forward_pass"]
    assert (home.topics_due, home.topics_new) == (0, 3)
    for _ in range(3):
        session.give_up()
        session.next()
    again = collection.home()
    assert again.topics_new == 0  # topics first drilled today spent today's room
    assert list(collection.drill(seed=1).queue) == []
    clock.advance(days=1)
    later = collection.home()
    queue = list(collection.drill(seed=1).queue)
    assert queue[:3] == ["affine_layer", "forward_pass", "neuron"]  # due: graded 0 yesterday
    assert len(queue) == 6 and set(queue[3:]) <= {
        "perceptron_update",
        "activation",
        "mse",
        "mlp_param_count",
    }
    assert (later.topics_due, later.topics_new) == (3, 3)


def test_home_counts_equal_the_sessions(collection: Collection, clock: FixedClock) -> None:
    collection.set_preference("new_per_day", "7")
    for _ in range(3):
        home = collection.home()
        cards = collection.review()
        topics = collection.drill(seed=2)
        assert home.left_today == cards.total
        assert home.new_available == sum(1 for c in cards.queue if collection.card(c).is_new)
        assert home.topics_due + home.topics_new == len(topics.queue)
        assert home.minutes > 0
        while cards.current is not None:
            cards.grade(4)
        clock.advance(days=1)


def test_plan_json_is_the_documented_shape(
    collection: Collection, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDYAPP_CONTENT", str(CONTENT))
    collection.close()
    result = CliRunner().invoke(main, ["--db", str(db_path), "plan", "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert set(plan) == {"day", "minutes", "cards", "topics"}
    assert len(plan["cards"]) == 20 and {c["kind"] for c in plan["cards"]} == {"new"}
    assert set(plan["cards"][0]) == {"id", "deck", "kind"}
    assert [c["deck"] for c in plan["cards"][:3]] == ["neuron", "forward_pass", "memory_tricks"]
    assert plan["topics"][0] == {
        "id": "neuron",
        "title": registry()["neuron"].title,
        "level": 1,
        "kind": "new",
    }
    assert plan["minutes"] == minutes_today(20, 3)
    plain = CliRunner().invoke(main, ["--db", str(db_path), "plan"])
    assert plain.exit_code == 0 and "about 8 min" in plain.output and "neuron" in plain.output


def test_a_broken_path_file_is_set_aside_with_a_warning(
    db_path: Path, tmp_path: Path, clock: FixedClock
) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / PATH_FILE).write_text("[decks]\noops\n")
    opened = Collection.open(str(db_path), Settings(clock=clock), content=content)
    assert opened.learning_path() is None
    assert opened.path_problem == f"{content / PATH_FILE}:2: cannot read this line: " + (
        'expected `id = {}` or `id = { decks = ["a"], topics = ["b"] }`'
    )
    opened.home()  # still opens
    opened.close()


def test_a_decks_first_new_cards_come_from_the_index_in_file_order(db) -> None:
    """The queue takes each open deck's first new cards: a seek on ix_cards_new_by_deck
    (deck_id, position) that stops after `limit` rows, never a sort of the whole deck
    (at 100,000 cards the sort took the queue from 1 ms to 400 ms)."""
    from studyapp.store.compiled_sqlite import SQL

    with db.reading() as reader:
        plan = reader.connection.execute(
            "EXPLAIN QUERY PLAN " + SQL["first_new_in_deck"], {"deck": "neuron", "room": 5}
        ).fetchall()
    details = " | ".join(row[-1] for row in plan)
    assert "INDEX ix_cards_new_by_deck (deck_id=?)" in details, details
    assert "TEMP B-TREE" not in details, details


def test_a_deck_short_of_new_cards_leaves_its_turns_to_the_others(db) -> None:
    """Each deck is read for an even share of the day's room first; when one runs short,
    the others fill the day in turn, exactly as if every deck had been read in full."""
    from studyapp.review.queues import plan_cards
    from tests.helpers import add_cards

    add_cards(db, 1, deck="alpha")
    add_cards(db, 2, deck="beta")
    add_cards(db, 10, deck="gamma")
    settings = Settings(clock=FixedClock(NOON), new_per_day=9)
    with db.session() as session:
        planned = plan_cards(session, settings, NOON.date())
    assert [item.id for item in planned] == [
        "alpha-000",
        "beta-001",
        "gamma-003",
        "beta-002",
        "gamma-004",
        "gamma-005",
        "gamma-006",
        "gamma-007",
        "gamma-008",
    ]
