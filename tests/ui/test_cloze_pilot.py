"""Cloze and reversed cards in the TUI: review shows card n's gap hidden, the answer marks it
in bold, and the card view of browse shows the same (issue 14)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text
from sqlalchemy import update
from textual.widgets import Static

from studyapp.collection import Collection
from studyapp.store.models import Card
from studyapp.ui.app import make_app
from studyapp.ui.review import ReviewScreen

from .builders import SEED

SIZE = (80, 24)
CLOZE = "{{c1::Adam}} keeps {{c2::two moments::how many?}} per weight"


def plain(widget: Static) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text().strip()


def make_cloze(collection: Collection, card_id: str, ordinal: int) -> None:
    with collection.db.write_session() as session:
        session.execute(
            update(Card)
            .where(Card.id == card_id)
            .values(front=CLOZE, back="Kingma and Ba", template="cloze", ordinal=ordinal)
        )
        session.commit()


def test_a_cloze_card_view_asks_its_own_gap(collection: Collection) -> None:
    make_cloze(collection, "ui-neuron-sum", 2)
    view = collection.card("ui-neuron-sum")
    assert view is not None
    assert view.question == "Adam keeps [how many?] per weight"
    assert [text for text, marked in view.answer_parts if marked] == ["two moments"]
    assert "".join(text for text, _ in view.answer_parts) == (
        "Adam keeps two moments per weight\n\nKingma and Ba"
    )
    plain_card = collection.card("ui-relu")
    assert plain_card is not None
    assert plain_card.question == plain_card.front
    assert plain_card.answer_parts == ((plain_card.back, False),)


async def test_review_hides_the_gap_and_bolds_it_on_the_back(collection: Collection) -> None:
    make_cloze(collection, "ui-neuron-sum", 1)
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.session.current is not None
        assert screen.session.current.id == "ui-neuron-sum"
        assert plain(screen.query_one("#front", Static)) == "[…] keeps two moments per weight"
        await pilot.press("space")
        await pilot.pause()
        back = screen.query_one("#back", Static).content
        assert isinstance(back, Text)
        assert back.plain.startswith("Adam keeps two moments per weight")
        bold = [back.plain[s.start : s.end] for s in back.spans if "bold" in str(s.style)]
        assert bold == ["Adam"]


async def test_browse_lists_a_cloze_card_by_its_gap(collection: Collection) -> None:
    from textual.widgets import DataTable

    from studyapp.ui.browse import BrowseScreen

    make_cloze(collection, "ui-neuron-sum", 2)
    (row,) = [r for r in collection.search_cards("Adam") if r.id == "ui-neuron-sum"]
    assert row.front == "Adam keeps [how many?] per weight"
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        table = screen.query_one("#cards", DataTable)
        cell = table.get_cell("ui-neuron-sum", "front")
        assert str(cell) == "Adam keeps [how many?] per weight"
        assert "{{c" not in "".join(str(c) for r in table.rows for c in table.get_row(r))
