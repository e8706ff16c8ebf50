"""The benchmark's frame rows (issue 16): how long a key takes to reach the screen.

Every figure is key-to-paint: from the key press to the first frame Textual composes
that shows its effect (`App._display`, called in headless runs too), in a fresh process
as a learner starts the app. Each is set beside a bare Textual app doing the least the
same key can do (one widget update, one `pop_screen`) in the same run, so that a loaded
machine slows both sides alike.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# (key, label, budget, unit), spliced into run.py's BUDGETS
FRAME_ROWS: list[tuple[str, str, float | None, str]] = [
    ("first_drill", "d to the first drill painted, keys and all", 0.25, "s"),
    # The budget for a key (the design's): painted within one frame (16 ms) of a bare Textual app
    # doing one update. The ratio is shown beside it; the bare app's own figure moves
    # between runs (2 to 9.5 ms) with where its key lands in Textual's refresh cycle.
    ("key_paint_extra", "review grade to next card, beyond a bare update", 16, "ms"),
    ("key_paint_ratio", "  the same as a ratio to the bare app", None, "x"),
    ("key_paint", "  the review key itself (median)", None, "ms"),
    ("key_paint_bare", "  a bare Textual app updating one Static", None, "ms"),
    ("grade_worst", "grade to next card painted, worst of 500", 50, "ms"),
    ("drill_key_extra", "a key typed in a drill, beyond a bare update", 16, "ms"),
    ("drill_key_ratio", "  the same as a ratio to the bare app", None, "x"),
    ("drill_key", "  the drill key itself (median)", None, "ms"),
    ("home_back_extra", "Esc back home, beyond a bare pop_screen", 16, "ms"),
    ("home_back_ratio", "  the same as a ratio to the bare app", None, "x"),
    ("home_back", "  Esc to home painted (worst screen)", None, "ms"),
    ("home_back_bare", "  a bare Textual app's pop_screen", None, "ms"),
]

FRAMES_PROBE = r'''
import asyncio, json, statistics, sys, time
from textual.app import App
from textual.screen import Screen
from textual.widgets import Static

PRESSES, GRADES = int(sys.argv[2]), int(sys.argv[3])


class Paints:
    """Times of the frames the app composes, each with what `mark()` said then."""

    def __init__(self, app, mark):
        self.frames, self.mark = [], mark
        original = app._display

        def display(screen, renderable):
            original(screen, renderable)
            if renderable is not None:
                self.frames.append((time.perf_counter(), self.mark()))

        app._display = display

    async def key(self, pilot, key, shows):
        """Seconds from pressing `key` to the first frame whose mark passes `shows`."""
        start = time.perf_counter()
        await pilot.press(key)
        deadline = start + 30
        while time.perf_counter() < deadline:
            for moment, mark in self.frames:
                if moment >= start and shows(mark):
                    return moment - start
            await asyncio.sleep(0.0005)
        raise TimeoutError(f"no frame showed the effect of {key!r}")


class BareMain(Screen):
    BINDINGS = [("4", "bump"), ("o", "open")]
    count = 0

    def compose(self):
        yield Static("0", id="n")

    def action_bump(self):
        self.count += 1
        self.query_one("#n", Static).update(str(self.count))

    def action_open(self):
        self.app.push_screen(BareOther())


class BareOther(Screen):
    BINDINGS = [("escape", "app.pop_screen")]

    def compose(self):
        yield Static("another screen")


class Bare(App):
    def on_mount(self):
        self.push_screen(BareMain())


async def bare():
    app = Bare()
    updates, pops = [], []
    async with app.run_test(size=(100, 32)) as pilot:
        def mark():
            screen = app.screen
            if isinstance(screen, BareMain):
                return ("BareMain", str(screen.query_one("#n", Static).render()))
            return (type(screen).__name__, None)

        paints = Paints(app, mark)
        await pilot.pause()
        for n in range(PRESSES):
            want = str(n + 1)
            updates.append(await paints.key(pilot, "4", lambda m, w=want: m[1] == w))
            await pilot.pause()
        for _ in range(PRESSES):
            await paints.key(pilot, "o", lambda m: m[0] == "BareOther")
            await pilot.pause()
            pops.append(await paints.key(pilot, "escape", lambda m: m[0] == "BareMain"))
            await pilot.pause()
    return updates, pops


async def ours():
    from studyapp.collection import Collection
    from studyapp.ui.app import make_app
    from studyapp.ui.home import PREPARE_AFTER_S

    collection = Collection.open(sys.argv[1])
    collection.set_preference("reviews_per_day", "99999")
    app = make_app(collection)

    def mark():
        screen = app.screen
        name = type(screen).__name__
        if name in ("ReviewScreen", "AnkiReviewScreen"):
            current = screen.session.current
            return (name, current.id if current else None, screen.revealed)
        if name == "DrillScreen":
            focused = app.focused
            return (name, getattr(focused, "value", None), None)
        return (name, None, None)

    figures = {}
    async with app.run_test(size=(100, 32)) as pilot:
        paints = Paints(app, mark)
        await pilot.pause()
        # The learner reads the home screen while its warm-up finishes in the background.
        await pilot.pause(PREPARE_AFTER_S + 0.1)
        while any(w.group == "prepare" for w in app.screen.workers):
            await pilot.pause(0.05)
        await pilot.pause(0.2)

        async def settle():
            await pilot.pause()
            await pilot.pause(0.05)

        back = {}
        screens = ("ReviewScreen", "DrillScreen", "StatsScreen", "BrowseScreen")
        for key, screen in zip("rdsb", screens):
            times = []
            for _ in range(PRESSES):
                await paints.key(pilot, key, lambda m, s=screen: m[0] == s)
                await settle()
                await pilot.pause(0.3)  # the screen's own workers (stats, browse) done
                while any(w.is_running for w in app.screen.workers):
                    await pilot.pause(0.05)
                times.append(await paints.key(pilot, "escape", lambda m: m[0] == "HomeScreen"))
                await settle()
            back[screen] = times
        figures["home_back"] = {s: statistics.median(t) for s, t in back.items()}

        # A key typed into the drill's answer field, to its paint.
        await paints.key(pilot, "d", lambda m: m[0] == "DrillScreen")
        await settle()
        drill = []
        for n in range(PRESSES):
            value = app.focused.value
            drill.append(await paints.key(pilot, "1", lambda m, v=value + "1": m[1] == v))
            await settle()
        await paints.key(pilot, "escape", lambda m: m[0] == "HomeScreen")
        await settle()
        figures["drill_key"] = drill

        # GRADES grades: Space shows the answer, 4 (Good) the next card, front up.
        await paints.key(pilot, "r", lambda m: m[0].endswith("ReviewScreen"))
        await settle()
        grades = []
        for _ in range(GRADES):
            session = app.screen.session
            if session.current is None:
                break
            await paints.key(pilot, "space", lambda m: m[2] is True)
            await pilot.pause()
            shown = session.current.id
            front_up = lambda m, s=shown: m[1] != s and m[2] is False
            grades.append(await paints.key(pilot, "4", front_up))
            await pilot.pause()
        figures["grades"] = grades
    return figures


updates, pops = asyncio.run(bare())
figures = asyncio.run(ours())
figures["bare_update"], figures["bare_pop"] = updates, pops
print(json.dumps(figures))
'''


POSTGRES_ONLY_NOTE = (
    "on PostgreSQL: no database-size row (the server's files are not the collection's); "
    "the synchronous=FULL row is a grade with synchronous_commit on; the 500 grades of "
    "the frame rows are given on the benchmark collection itself, not on a copy; the JSON "
    "backup rows chain the benchmark's own log in place and restore into a new database "
    "on the same server"
)


def target(value: str) -> Path | str:
    """`--db`: a PostgreSQL (or any) URL as it is, else a SQLite file path."""
    return value if "://" in value else Path(value)


def fresh_database(db: Path | str) -> None:
    """An empty place to build in: the SQLite file and its WAL removed, or every table of
    the PostgreSQL database dropped (its public schema made again)."""
    if isinstance(db, Path):
        for leftover in db.parent.glob(db.name + "*"):
            leftover.unlink()
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def measure_ui_keys(db_path: Path | str, runs: int, grades: int | None = None) -> dict[str, float]:
    """The first drill after `d`, and every key-to-paint row, each against the bare app.

    500 grades in a row, or 30 for `--runs 1` (the smoke test's quick run)."""
    grades = grades or (500 if runs > 1 else 30)
    figures = {"first_drill": first_drill(db_path, runs)}
    scratch: Path | str = db_path  # PostgreSQL: graded in place (the run's own database)
    if isinstance(db_path, Path):
        scratch = db_path.parent / "keys.db"  # the grades change the collection: a copy
        for suffix in ("", "-wal"):  # the open collection may hold pages in its WAL
            if Path(f"{db_path}{suffix}").exists():
                shutil.copy(f"{db_path}{suffix}", f"{scratch}{suffix}")
    out = subprocess.run(
        [sys.executable, "-c", FRAMES_PROBE, str(scratch), str(max(1, runs // 2)), str(grades)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    raw = json.loads(out.stdout.strip().splitlines()[-1])
    return {**figures, **frame_figures(raw)}


def frame_figures(raw: dict) -> dict[str, float]:  # type: ignore[type-arg]
    """The rows from the probe's raw seconds."""
    bare_update = statistics.median(raw["bare_update"]) * 1000
    bare_pop = statistics.median(raw["bare_pop"]) * 1000
    grade = statistics.median(raw["grades"]) * 1000
    drill = statistics.median(raw["drill_key"]) * 1000
    home = max(raw["home_back"].values()) * 1000
    return {
        "key_paint": grade,
        "key_paint_bare": bare_update,
        "key_paint_ratio": grade / bare_update,
        "key_paint_extra": grade - bare_update,
        "grade_worst": max(raw["grades"]) * 1000,
        "grades_timed": len(raw["grades"]),
        "drill_key": drill,
        "drill_key_ratio": drill / bare_update,
        "drill_key_extra": drill - bare_update,
        "home_back": home,
        "home_back_bare": bare_pop,
        "home_back_extra": home - bare_pop,
        "home_back_ratio": home / bare_pop,
        **{f"home_back_{k}": v * 1000 for k, v in raw["home_back"].items()},
    }


FIRST_DRILL_PROBE = """
import asyncio, sys, time
from studyapp.collection import Collection
from studyapp.ui.app import make_app
from studyapp.ui.home import PREPARE_AFTER_S
from textual.widgets._footer import FooterKey
collection = Collection.open(sys.argv[1])
app = make_app(collection)
painted_at = []
def ready():
    screen = app.screen
    if type(screen).__name__ != "DrillScreen":
        return False
    keys = [key for key in screen.query(FooterKey) if key.region.width]
    return bool(keys) and screen.query_one("#prompt").region.height > 0
original = app._display
def display(screen, renderable):
    original(screen, renderable)
    # A frame composed once the prompt and the footer keys have their place: painted.
    if renderable is not None and not painted_at and ready():
        painted_at.append(time.perf_counter())
app._display = display
async def main():
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        # The learner reads the home screen while its warm-up finishes in the background
        # (it starts PREPARE_AFTER_S after home shows: wait for it to start, then to end).
        await pilot.pause(PREPARE_AFTER_S + 0.1)
        while any(w.group == "prepare" for w in app.screen.workers):
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        start = time.perf_counter()
        await pilot.press("d")
        while not painted_at:
            await asyncio.sleep(0.0005)
        print(painted_at[0] - start)
asyncio.run(main())
"""


def first_drill(db_path: Path | str, runs: int) -> float:
    """Median seconds from `d` to the first frame with the problem and the footer keys."""
    samples = []
    for _ in range(max(3, runs // 2)):
        out = subprocess.run(
            [sys.executable, "-c", FIRST_DRILL_PROBE, str(db_path)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)
