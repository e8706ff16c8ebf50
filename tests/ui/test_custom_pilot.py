"""Pilot tests of leeches and custom study (issue 15, items 2 and 3), driven by keys."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text
from textual.widgets import Input, OptionList, Static

from studyapp.collection import Collection
from studyapp.store.models import Card, DrillTopic, Review
from studyapp.ui.app import make_app
from studyapp.ui.browse import BrowseScreen
from studyapp.ui.custom import CustomStudyScreen
from studyapp.ui.drill import DrillScreen
from studyapp.ui.home import HomeScreen
from studyapp.ui.review import ReviewScreen

from .builders import SEED
from .test_pilot import plain

SIZE = (80, 24)
SCHEDULES = "SELECT id, easiness, repetitions, interval, due, lapses, last_review FROM cards"


def _card(collection: Collection, card_id: str) -> Card:
    with collection.db.session() as session:
        found = session.get(Card, card_id)
        assert found is not None
        session.expunge(found)
        return found


def _make_almost_leech(collection: Collection, card_id: str) -> None:
    """A learned card due today with 7 lapses: one more failure makes it a leech."""
    today = collection.settings.today()
    with collection.db.session() as session, session.begin():
        card = session.get(Card, card_id)
        assert card is not None
        card.repetitions, card.interval, card.lapses = 3, 10, 7
        card.due, card.last_review = today, today - timedelta(days=10)


def _app(collection: Collection):  # type: ignore[no-untyped-def]
    return make_app(collection, seed=SEED, cursor_blink=False, schedule_new_topics=False)


async def test_a_leech_at_the_threshold_is_told_and_undone(collection: Collection) -> None:
    _make_almost_leech(collection, "ui-lr")
    collection.set_preference("new_per_day", "0")  # only the due card
    app = _app(collection)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert "leech" not in plain(home.query_one("#home-message", Static))
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("space", "1")
        await pilot.pause()
        found = _card(collection, "ui-lr")
        assert found.suspended and "leech" in found.tags.split() and found.lapses == 8
        told = [n for n in app._notifications if n.title == "Leech"]
        assert len(told) == 1
        assert "learning rate" in told[0].message and "suspended" in told[0].message
        assert "u takes the grade and the leech back" in told[0].message
        await pilot.press("u")
        await pilot.pause()
        found = _card(collection, "ui-lr")
        assert (found.suspended, found.lapses, "leech" in found.tags.split()) == (False, 7, False)
        await pilot.press("space", "1")  # again: a leech once more, then home counts it
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "1 leech card" in plain(app.screen.query_one("#home-message", Static))


async def test_more_new_cards_today_from_home_and_its_undo(collection: Collection) -> None:
    collection.set_preference("new_per_day", "2")
    app = _app(collection)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "2 cards" in plain(app.screen.query_one("#stat-left", Static))
        await pilot.press("c")
        await pilot.pause()
        menu = app.screen
        assert isinstance(menu, CustomStudyScreen)
        assert menu.query_one("#custom-value", Input).value == "10"
        await pilot.press("tab", "backspace", "backspace", "3", "enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "5 cards" in plain(app.screen.query_one("#stat-left", Static))
        assert collection.preferences()["new_per_day"] == 2
        await pilot.press("u")
        await pilot.pause()
        assert "2 cards" in plain(app.screen.query_one("#stat-left", Static))


async def test_review_ahead_from_home(collection: Collection) -> None:
    today = collection.settings.today()
    with collection.db.session() as session, session.begin():
        card = session.get(Card, "ui-relu")
        assert card is not None
        card.repetitions, card.interval, card.due = 2, 6, today + timedelta(days=2)
        card.last_review = today - timedelta(days=4)
    app = _app(collection)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("c", "down")  # Review ahead, 3 days by default
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert list(screen.session.queue) == ["ui-relu"]
        assert "Review ahead 3 days" in plain(screen.query_one("#review-deck", Static))
        await pilot.press("space", "4")
        await pilot.pause()
        found = _card(collection, "ui-relu")
        assert found.last_review == today and found.due == today + timedelta(days=15)


async def test_cram_a_deck_leaves_the_schedule_alone(collection: Collection) -> None:
    with collection.db.session() as session:
        before = list(session.execute(text(SCHEDULES)))
    app = _app(collection)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("c", "down", "down")  # Cram: the highlighted deck by default
        await pilot.pause()
        menu = app.screen
        assert isinstance(menu, CustomStudyScreen)
        assert menu.query_one("#custom-value", Input).value.startswith("deck:")
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        asked = screen.session.total
        assert asked >= 3
        for _ in range(asked):
            await pilot.press("space", "5")
            await pilot.pause()
        assert screen.finished
    with collection.db.session() as session:
        assert list(session.execute(text(SCHEDULES))) == before
        logged = list(session.scalars(select(Review)))
    assert len(logged) == asked and all(r.cram and r.repeat for r in logged)


async def test_cram_with_reschedule_asked_at_the_start(collection: Collection) -> None:
    app = _app(collection)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("c", "down", "down", "ctrl+r")
        await pilot.pause()
        assert "Grades move the schedule" in plain(app.screen.query_one("#custom-note", Static))
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        card_id = screen.session.queue[0]
        await pilot.press("space", "5")
        await pilot.pause()
    assert _card(collection, card_id).due is not None


async def test_again_todays_failures(collection: Collection) -> None:
    session = collection.review()
    failed = session.queue[0]
    session.grade(1)
    app = _app(collection)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("c", "down", "down", "down")
        await pilot.pause()
        kinds = app.screen.query_one("#custom-kinds", OptionList)
        assert "· 1 card" in str(kinds.get_option_at_index(3).prompt)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert list(screen.session.queue) == [failed]
        state = _card(collection, failed)
        await pilot.press("space", "5")
        await pilot.pause()
        after = _card(collection, failed)
        assert (after.due, after.interval) == (state.due, state.interval)


async def test_drill_one_family(collection: Collection) -> None:
    app = _app(collection)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("c", "up", "enter")  # the last kind: drill a family
        await pilot.pause()
        menu = app.screen
        assert isinstance(menu, CustomStudyScreen) and menu.families
        topics = menu.families[0][2]
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        assert set(screen.session.queue) <= set(topics) and screen.session.queue


async def test_browse_crams_its_search_result(collection: Collection) -> None:
    app = _app(collection)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)
        await pilot.press(*"softmax")
        await pilot.pause(0.5)
        listed = list(app.screen.rows)
        assert listed
        await pilot.press("down", "c")
        await pilot.pause()
        menu = app.screen
        assert isinstance(menu, CustomStudyScreen)
        assert menu.card_ids == tuple(listed)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert list(screen.session.queue) == listed


async def test_a_leech_topic_is_shown_solved_first(collection: Collection) -> None:
    collection.sync_topics()
    with collection.db.session() as session, session.begin():
        topic = session.get(DrillTopic, "softmax")
        assert topic is not None
        topic.lapses = 8
    app = _app(collection)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "1 leech topic" in plain(app.screen.query_one("#home-message", Static))
        app.start_drill(["softmax"])
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        shown = plain(screen.query_one("#prompt", Static))
        assert "keeps slipping" in shown and "Now a fresh one" in shown
        example = screen.session.worked_example
        assert example is not None and example.steps[0][:30] in shown.replace("\n", " ")
