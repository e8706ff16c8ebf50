"""The source line names the seed's title and section, never a file of ours."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Static

from studyapp.collection import Collection
from studyapp.config import FixedClock, Settings
from studyapp.decks.sync import sync_bundled_decks
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


SEVERAL = """[deck]
id = "sources"
name = "Sources"

[[cards]]
id = "src-several"
front = "Where does this card come from?"
back = "From two seeds and one place outside them."
sources = [
  { seed = "004_79820f2c78e41ff3.txt", section = "Loss Functions" },
  { seed = "002_546d246df68e4ade.txt", section = "Sigmoid (Logistic)" },
]
no_seed = "PyTorch docs: nn.CrossEntropyLoss takes logits"

[[cards]]
id = "src-none"
front = "And this one?"
back = "From no seed at all."
no_seed = "PyTorch docs: model.eval()"
"""


@pytest.fixture
def several(tmp_path: Path, ui_clock: FixedClock) -> Iterator[Collection]:
    """A collection whose one deck has a card with several sources and one in no seed."""
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "sources.toml").write_text(SEVERAL, encoding="utf-8")
    opened = Collection.open(f"sqlite:///{tmp_path / 'c.db'}", Settings(clock=ui_clock), sync=False)
    sync_bundled_decks(opened.db, folder)
    opened.content = folder
    yield opened
    opened.close()


def test_every_source_is_named_and_what_no_seed_holds_says_so(several: Collection) -> None:
    card = several.card("src-several")
    assert card is not None
    assert several.source_line(card) == (
        "Cheat sheet · Loss Functions; Tutorial · Sigmoid (Logistic); "
        "not in the seeds: PyTorch docs: nn.CrossEntropyLoss takes logits"
    )
    alone = several.card("src-none")
    assert alone is not None
    assert several.source_line(alone) == "not in the seeds: PyTorch docs: model.eval()"


async def test_review_and_browse_show_every_source(several: Collection) -> None:
    app = make_app(several, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.session.current is not None
        assert screen.session.current.id == "src-several"
        await pilot.press("space")
        await pilot.pause()
        line = " ".join(plain(screen.query_one("#source", Static)).split())
        assert "Cheat sheet · Loss Functions; Tutorial · Sigmoid (Logistic);" in line
        assert "not in the seeds: PyTorch docs: nn.CrossEntropyLoss takes logits" in line
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)
        await pilot.press(*"no seed at all")
        await pilot.pause(0.4)  # past the typing pause
        await pilot.press("down", "enter")
        await pilot.pause()
        view = app.screen
        assert isinstance(view, CardScreen)
        text = " ".join("\n".join(plain(s) for s in view.query(Static)).split())
        assert "Source not in the seeds: PyTorch docs: model.eval()" in text
