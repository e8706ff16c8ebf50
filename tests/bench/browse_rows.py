"""Browse's rows of the benchmark (issues 15 and 16): what a keystroke in the search box
costs the UI thread, and what the search it starts costs its worker thread.

The keystroke rows type "neural 4217" into browse's search box of a headless app on the
benchmark collection, one character at a time, and wait after each for the search worker
and its rows. The budgeted row is the CPU time browse's own handlers (HANDLERS) took on
the UI thread per keystroke, median over the keystrokes; their wall-clock time is shown
too (on a loaded machine it holds the time the OS gave to other processes). Beside them,
for information, a probe task on the UI's event loop wakes every PROBE_S; the longest gap
between two of its wakes in a keystroke's whole cycle (key, typing pause, worker, rows
added, repaint) is the loop's longest stall: Textual's own key handling and painting
included, and on a loaded machine whatever time the OS gave to other processes.

The worker row is `Collection.search_cards` on each prefix of the same text ("n", "ne", …,
"neural 4217"): every card holds "neural", so the early prefixes match all 100,000 and
sort them for the first 1000, the late ones a handful.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

TYPED = "neural 4217"
PROBE_S = 0.004
"""How often the stall probe wakes (its own cost stays small beside the UI's work)."""

ROWS: list[tuple[str, str, float | None, str]] = [
    ("browse_keystroke", "browse keystroke (UI thread), our handlers' CPU", 16, "ms"),
    ("browse_keystroke_worst", "  the worst keystroke", None, "ms"),
    ("browse_keystroke_wall", "  the same handlers, wall clock (load shows here)", None, "ms"),
    ("browse_keystroke_stall", "  the UI loop's longest stall per keystroke", None, "ms"),
    ("browse_search", "browse search (worker), median over the prefixes", None, "ms"),
    ("browse_search_worst", "  the slowest prefix (all cards match, sorted)", None, "ms"),
]
"""(key, label, budget, unit), as run.py's BUDGETS."""

HANDLERS = ("_typed", "search", "on_search_done")
"""What browse runs on the UI thread for a keystroke: the typing pause's timer, starting
the worker, and putting its rows in the table."""


def measure_browse(db_path: Path, settings: Any, runs: int) -> dict[str, float]:
    """The figures of ROWS, in ms."""
    from studyapp.collection import Collection

    collection = Collection.open(str(db_path), settings, sync=False)
    try:
        searches = []
        for end in range(1, len(TYPED) + 1):
            times = []
            for _ in range(max(1, runs)):
                start = time.perf_counter()
                collection.search_cards(TYPED[:end])
                times.append(time.perf_counter() - start)
            searches.append(statistics.median(times) * 1000)
        costs, walls, stalls = asyncio.run(_keystrokes(collection, max(1, runs // 3)))
    finally:
        collection.close()
    return {
        "browse_keystroke": statistics.median(costs),
        "browse_keystroke_worst": max(costs),
        "browse_keystroke_wall": statistics.median(walls),
        "browse_keystroke_stall": statistics.median(stalls),
        "browse_search": statistics.median(searches),
        "browse_search_worst": max(searches),
    }


async def _keystrokes(collection: Any, rounds: int) -> tuple[list[float], list[float], list[float]]:
    """Per keystroke: the CPU time browse's handlers took on the UI thread (what the OS
    lends other processes is not in it), the same on the wall clock, and the probe's
    longest stall."""
    from studyapp.ui.app import make_app
    from studyapp.ui.browse import SEARCH_DELAY, BrowseScreen

    spent = [0.0, 0.0]

    def timed(method: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            cpu, wall = time.thread_time(), time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent[0] += time.thread_time() - cpu
                spent[1] += time.perf_counter() - wall

        return run

    originals = {name: getattr(BrowseScreen, name) for name in HANDLERS}
    for name, method in originals.items():
        setattr(BrowseScreen, name, timed(method))
    app = make_app(collection, schedule_new_topics=False)
    costs: list[float] = []
    walls: list[float] = []
    stalls: list[float] = []
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.press("b")
            while not isinstance(app.screen, BrowseScreen):
                await pilot.pause(0.01)
            await app.workers.wait_for_complete()
            await pilot.pause(0.2)
            for _ in range(rounds):
                for character in TYPED:
                    probe = _LoopProbe()
                    probe.start()
                    spent[:] = [0.0, 0.0]
                    await pilot.press("space" if character == " " else character)
                    await pilot.pause(SEARCH_DELAY + 0.02)
                    await app.workers.wait_for_complete()
                    await pilot.pause(0.05)  # the rows added and painted
                    costs.append(spent[0] * 1000)
                    walls.append(spent[1] * 1000)
                    stalls.append(await probe.stop())
                await pilot.press(*["backspace"] * len(TYPED))
                await pilot.pause(SEARCH_DELAY + 0.02)
                await app.workers.wait_for_complete()
                await pilot.pause(0.1)
    finally:
        for name, method in originals.items():
            setattr(BrowseScreen, name, method)
    return costs, walls, stalls


class _LoopProbe:
    """The longest time the event loop went without running this task (ms)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._running = True
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        last = time.perf_counter()
        while self._running:
            await asyncio.sleep(PROBE_S)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last - PROBE_S)
            last = now

    async def stop(self) -> float:
        self._running = False
        if self._task is not None:
            await self._task
        return self.worst * 1000
