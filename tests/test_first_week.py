"""The first-week script drives the real app: its first day follows the learning path and
never grades a format slip (the whole week is `python scripts/first_week.py`)."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path

from studyapp.config import REPO_ROOT


def load_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "first_week", REPO_ROOT / "scripts" / "first_week.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_day_one_brings_the_first_decks_three_topics_and_grades_no_slip(tmp_path: Path) -> None:
    script = load_script()
    lines = asyncio.run(script.first_week(1, (80, 24), tmp_path / "week.db", 1))
    text = "\n".join(lines)
    day = text.split("  home at 19:00")[0]
    new_cards = next(line for line in day.splitlines() if "new cards:" in line)
    assert new_cards.startswith("  new cards:  20 — ")
    decks = {part.rsplit(" ", 1)[0] for part in new_cards.split(" — ")[1].split(", ")}
    assert decks == {"The neuron", "The forward pass", "Memory tricks"}
    topics = next(line for line in day.splitlines() if "new topics:" in line)
    assert topics.startswith("  new topics: 3 — One neuron")
    slips = [line for line in day.splitlines() if "slip:" in line]
    assert slips and all("not graded" in line for line in slips)
    assert "min today" in day and "Stats screen on day 1 at 80×24:" in text
