"""A learner's first week, driven through the real app with a fixed clock.

Runs the Textual app headless (`App.run_test`) on a fresh collection of the bundled decks and
topics. Each study day at 19:00 the scripted learner opens the app, reads home, reviews every
card offered (grades from a fixed pattern, 6-14 s a card), then drills every topic offered
(right, wrong or a format slip that is then corrected, 40-110 s a problem), and goes home.
The clock only moves when the learner "spends" time, so the minutes are the simulated ones.

Prints, day by day: what home said, the cards introduced (by deck, in order of arrival), the
topics introduced, what was drilled and how, the minutes spent; on the last day the stats
screen as the terminal shows it. Usage:

    python scripts/first_week.py [--days 7] [--size 80x24] [--db PATH] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console
from textual.app import App
from textual.widgets import Input

from studyapp.collection import Collection
from studyapp.config import FixedClock, Settings
from studyapp.drills.base import show
from studyapp.ui.app import make_app
from studyapp.ui.drill import DrillScreen
from studyapp.ui.home import HomeScreen
from studyapp.ui.review import ReviewScreen

FIRST_EVENING = datetime(2026, 12, 7, 19, 0).astimezone()
NEW_CARD_GRADES = (4, 4, 5, 3, 4, 2, 4, 5)
"""Grades given on first sight, in turn: mostly remembered, one in eight missed."""
REVIEW_GRADES = (4, 5, 3, 4, 1, 4, 5, 4, 2, 4)
DRILL_PLAN = ("right", "right", "slip", "right", "wrong", "right", "slip", "right", "wrong")
"""How the learner answers drills, in turn; a slip is retyped right after it is explained."""


@dataclass
class Day:
    """What one study day held."""

    number: int
    home: list[str] = field(default_factory=list)
    new_cards: list[str] = field(default_factory=list)
    reviews: int = 0
    cards_failed: int = 0
    new_topics: list[str] = field(default_factory=list)
    drills: Counter[str] = field(default_factory=Counter)
    slips: list[str] = field(default_factory=list)
    seconds: float = 0.0


def screen_text(app: App[None]) -> list[str]:
    """The screen as a terminal would show it, one string per row."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text(styles=False).splitlines()[:height]


def slip_for(answer: object) -> str | None:
    """A format slip a real learner makes with this answer, or None when none applies."""
    if isinstance(answer, float | int):
        whole = show(float(answer), 4)
        return whole.replace(".", ",") if "." in whole and "e" not in whole else None
    if isinstance(answer, list) and answer and all(isinstance(a, float | int) for a in answer):
        return " ".join(show(float(a), 4) for a in answer)
    return None


def wrong_for(answer: object) -> str:
    """A wrong answer of the right shape."""
    if isinstance(answer, list):
        return "[" + ", ".join(wrong_for(item) for item in answer) + "]"
    return show(float(answer) * 1.7 + 0.31, 4)  # type: ignore[arg-type]


class Learner:
    """The scripted learner: fixed patterns, a seeded random pace."""

    def __init__(self, clock: FixedClock, seed: int) -> None:
        self.clock = clock
        self.rng = random.Random(seed)
        self.card_turn = 0
        self.drill_turn = 0

    def spend(self, day: Day, low: float, high: float) -> None:
        seconds = self.rng.uniform(low, high)
        self.clock.advance(seconds=seconds)
        day.seconds += seconds

    async def review(self, pilot, app: App[None], day: Day) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("r")
        await pilot.pause()
        if not isinstance(app.screen, ReviewScreen):
            return  # nothing due: home said so
        screen = app.screen
        while screen.session.current is not None:
            card = screen.session.current
            self.spend(day, 6, 14)
            await pilot.press("space")
            if card.is_new and not screen.session.is_repeat:
                day.new_cards.append(card.deck_id)
                grade = NEW_CARD_GRADES[self.card_turn % len(NEW_CARD_GRADES)]
            else:
                grade = (
                    4
                    if screen.session.is_repeat
                    else REVIEW_GRADES[self.card_turn % len(REVIEW_GRADES)]
                )
                day.reviews += not screen.session.is_repeat
            day.cards_failed += grade < 3
            self.card_turn += 1
            await pilot.press(str(grade))
            await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()

    async def drill(self, pilot, app: App[None], day: Day, met: set[str]) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("d")
        await pilot.pause()
        if not isinstance(app.screen, DrillScreen):
            return
        screen = app.screen
        seen_today: set[str] = set()
        while screen.session.problem is not None and len(seen_today) < 60:
            problem = screen.session.problem
            key = f"{problem.topic}#{problem.seed}"
            if key in seen_today:
                break
            seen_today.add(key)
            if problem.topic not in met:
                met.add(problem.topic)
                day.new_topics.append(problem.topic)
            plan = DRILL_PLAN[self.drill_turn % len(DRILL_PLAN)]
            self.drill_turn += 1
            self.spend(day, 40, 110)
            if plan == "slip" and (typed := slip_for(problem.answer)) is not None:
                attempts_before = screen.session.attempts
                await self.type_answer(pilot, screen, typed)
                said = str(screen.query_one("#reader-message").render()).strip()
                graded = screen.session.attempts != attempts_before
                day.slips.append(f"{typed!r} → {'GRADED' if graded else 'not graded'}: {said}")
                self.spend(day, 5, 10)
                plan = "right"
            typed = show(problem.answer, 6) if plan == "right" else wrong_for(problem.answer)
            await self.type_answer(pilot, screen, typed)
            day.drills[screen.session.record.outcome if screen.session.record else "unread"] += 1
            self.spend(day, 5, 20)  # reads the verdict and the worked steps
            await pilot.press("n")
            await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()

    @staticmethod
    async def type_answer(pilot, screen: DrillScreen, typed: str) -> None:  # type: ignore[no-untyped-def]
        box = screen.query_one("#answer", Input)
        box.value = typed
        box.focus()
        await pilot.press("enter")
        await pilot.pause()


async def one_day(
    collection: Collection, learner: Learner, number: int, size: tuple[int, int], met: set[str]
) -> tuple[Day, list[str]]:
    day = Day(number)
    app = make_app(collection, seed=number, cursor_blink=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.pause(0.5)  # home schedules new topics a moment after it shows, then recounts
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        day.home = screen_text(app)
        await learner.review(pilot, app, day)
        await learner.drill(pilot, app, day, met)
        await pilot.press("s")
        await pilot.pause()
        await pilot.pause(0.3)  # the stats load in a worker
        stats = screen_text(app)
    return day, stats


def report(day: Day, decks: dict[str, str], titles: dict[str, str]) -> str:
    order: list[str] = []
    for deck in day.new_cards:
        if deck not in order:
            order.append(deck)
    counts = Counter(day.new_cards)
    lines = [f"Day {day.number}"]
    summary = next((row.strip() for row in day.home if "min" in row), "")
    if summary:
        lines.append(f"  home said:  {summary}")
    lines.append(
        f"  new cards:  {len(day.new_cards)}"
        + (" — " + ", ".join(f"{decks.get(d, d)} {counts[d]}" for d in order) if order else "")
    )
    lines.append(f"  reviews:    {day.reviews} (failed {day.cards_failed} of all cards seen)")
    lines.append(
        f"  new topics: {len(day.new_topics)}"
        + (" — " + ", ".join(titles.get(t, t) for t in day.new_topics) if day.new_topics else "")
    )
    lines.append(
        "  drills:     "
        + (", ".join(f"{n} {outcome}" for outcome, n in sorted(day.drills.items())) or "none")
    )
    lines.extend(f"  slip:       {slip}" for slip in day.slips)
    lines.append(f"  minutes:    {day.seconds / 60:.1f}")
    return "\n".join(lines)


async def first_week(days: int, size: tuple[int, int], db: Path, seed: int) -> list[str]:
    clock = FixedClock(FIRST_EVENING)
    collection = Collection.open(f"sqlite:///{db}", Settings(clock=clock))
    learner = Learner(clock, seed)
    decks = dict(collection.decks())
    from studyapp.drills import registry

    titles = {t.id: t.title for t in registry().values()}
    met: set[str] = set()
    out: list[str] = []
    stats: list[str] = []
    try:
        for number in range(1, days + 1):
            clock.current = FIRST_EVENING + timedelta(days=number - 1)
            day, stats = await one_day(collection, learner, number, size, met)
            out.append(report(day, decks, titles))
            if number == 1:
                out.append("  home at 19:00 on day 1:\n" + "\n".join("    " + r for r in day.home))
    finally:
        collection.close()
    out.append(f"Stats screen on day {days} at {size[0]}×{size[1]}:")
    out.extend("    " + row for row in stats)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--size", default="80x24")
    parser.add_argument("--db", type=Path, default=None, help="keep the collection here")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    width, height = (int(n) for n in args.size.lower().split("x"))
    with tempfile.TemporaryDirectory() as scratch:
        db = args.db or Path(scratch) / "first_week.db"
        lines = asyncio.run(first_week(args.days, (width, height), db, args.seed))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
