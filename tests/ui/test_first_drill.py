"""Opening a screen for the first time does not restyle the app (the stall after `d`)."""

from __future__ import annotations

from typing import Any

import pytest

from studyapp.collection import Collection
from studyapp.ui.app import make_app

from .builders import SEED


@pytest.mark.parametrize("key", ["d", "r", "t", "s", "b", "question_mark"])
async def test_no_screen_makes_the_stylesheet_parse_again(
    collection: Collection, key: str, monkeypatch: Any
) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        reparsed: list[bool] = []
        original = app.stylesheet.reparse

        def counting() -> None:
            reparsed.append(True)
            original()

        monkeypatch.setattr(app.stylesheet, "reparse", counting)
        await pilot.press(key)
        await pilot.pause()
        assert app.screen is not app.screen_stack[0]  # a screen opened
        assert reparsed == []
