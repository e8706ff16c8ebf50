"""The source line names the seed's title and section, never a file of ours."""

from __future__ import annotations

from textual.widgets import Static

from studyapp.collection import Collection
from studyapp.ui.app import make_app
from studyapp.ui.browse import BrowseScreen, CardScreen
from studyapp.ui.review import ReviewScreen

from .builders import SEED
from .test_pilot import plain

SIZE = (100, 32)


async def test_review_shows_the_seed_title_and_section(collection: Collection) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.session.current is not None
        assert screen.session.current.id == "ui-neuron-sum"
        await pilot.press("space")
        await pilot.pause()
        line = plain(screen.query_one("#source", Static))
        assert "Source  Tutorial · The Perceptron: Where It All Began" in line
        assert ".txt" not in line
        await pilot.press("4", "space")  # the next card: the other deck's first (interleaved)
        await pilot.pause()
        assert screen.session.current is not None
        assert screen.session.current.id == "ui-lr"
        line = plain(screen.query_one("#source", Static))
        assert "Source  Math notes · Learning-rate schedule" in line


async def test_the_browse_card_view_shows_the_seed_title_and_section(
    collection: Collection,
) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)
        await pilot.press(*"dropout")
        await pilot.pause(0.4)  # past the typing pause
        await pilot.press("down", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CardScreen)
        text = "\n".join(plain(static) for static in screen.query(Static))
        assert "Source  Memory tricks · Dropout" in text
        assert ".txt" not in text


def test_a_card_without_a_source_shows_no_source_line(collection: Collection) -> None:
    card = collection.card("ui-tanh")
    assert card is not None
    assert collection.source_line(card) is None
