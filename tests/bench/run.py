"""Benchmark studyapp against docs/architecture.md's budgets on a synthetic collection.

    python tests/bench/run.py                      # 100,000 cards, 1,000,000 reviews
    python tests/bench/run.py --cards 2000 --reviews 20000 --runs 3   # quick smoke run
    python tests/bench/run.py --json               # machine-readable figures
    python tests/bench/run.py --against-anki       # Anki's matching calls, same size, same run

Each figure is the median of several runs and is printed beside its budget. With
--against-anki (the optional `anki` package installed) the same collection is built in Anki
too, and each row also shows Anki's figure and the ratio ours / Anki (below 1: we are faster).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from studyapp.config import FixedClock, Settings, content_dir, resolve_db_url  # noqa: E402
from studyapp.store import open_database  # noqa: E402
from tests.bench import frames  # noqa: E402

# (key, label, budget, unit) — budgets from docs/architecture.md; None marks a row shown
# for information
BUDGETS: list[tuple[str, str, float | None, str]] = [
    ("cli_help", "studyapp --help", 0.15, "s"),
    ("app_start", "app start to interactive home (headless)", 0.6, "s"),
    ("first_review", "  then r at once: the first card shown", None, "s"),
    ("open_home", "  import + open + home counts, no UI", None, "s"),
    *frames.FRAME_ROWS,  # first drill, key-to-paint, grade worst case, back home (frames.py)
    ("home_counts", "home-screen counts", 25, "ms"),
    ("queue_build", "build the session queue", 20, "ms"),
    ("fsrs_queue_build", "  the same under FSRS (issue 17)", 20, "ms"),
    ("next_item", "then each next item", 1, "ms"),
    ("record_grade", "record a grade, committed", 0.5, "ms"),
    ("record_grade_full", "  the same with synchronous=FULL, as Anki", None, "ms"),
    ("fsrs_record_grade", "  under FSRS, both states kept", 0.5, "ms"),
    ("reviews_per_day", "reviews per day over 365 days", 50, "ms"),
    ("stats_data", "the whole stats screen's data", 250, "ms"),
    ("export_csv", "export cards + history to CSV", 5, "s"),  # restated in docs/architecture.md
    ("export_csv_cards", "  of which the cards-only CSV", 0.5, "s"),
    ("export_apkg", "export to .apkg", 5, "s"),
    ("problem", "generate one drill problem", 1, "ms"),
    ("problem_slowest", "  the slowest topic, checkpoints and all", 1, "ms"),
    ("check_steps", "grade a worked answer step by step (slowest topic)", 10, "ms"),
    ("check_answer", "check a typed answer", 10, "ms"),
    ("check_answer_fast", "  a plain-number answer (no SymPy)", 1, "ms"),
    ("check_answer_long", "  read an expression at the length cap", 10, "ms"),
    ("refuse_huge", "  refuse a huge value (9^9^9 and the like)", 10, "ms"),
    ("sync_unchanged", "sync bundled decks, unchanged", 50, "ms"),
    ("memory", "resident memory, collection open + home", 150, "MiB"),
    ("memory_peak", "  peak resident memory, same process", None, "MiB"),
    ("db_size", "database size on disk", 100, "MB"),
]
from tests.bench.browse_rows import ROWS as BROWSE_ROWS  # noqa: E402

BUDGETS += BROWSE_ROWS  # browse's keystroke and search (issues 15, 16)

# The JSON backup's rows (issue 16): tests/bench/backup_rows.py.
from tests.bench import backup_rows  # noqa: E402

BUDGETS += backup_rows.ROWS

TODAY = date(2026, 6, 15)
NOON = datetime(2026, 6, 15, 12, 0).astimezone()


def median_time(
    action: Callable[[], Any], runs: int, setup: Callable[[], Any] | None = None
) -> float:
    """Median wall time of `action` in seconds over `runs` runs (one warm-up first)."""
    samples = []
    for index in range(runs + 1):
        if setup is not None:
            setup()
        start = time.perf_counter()
        action()
        elapsed = time.perf_counter() - start
        if index:
            samples.append(elapsed)
    return statistics.median(samples)


def run_subprocess_time(args: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True, env=env)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


MEMORY_PROBE = """
import sys
from studyapp.collection import Collection
c = Collection.open(sys.argv[1])
c.home()
with open("/proc/self/status") as f:
    rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))
    f.seek(0)
    peak = next(int(l.split()[1]) for l in f if l.startswith("VmHWM"))
print(rss / 1024, peak / 1024)
"""

OPEN_HOME_PROBE = """
import sys, time
start = time.perf_counter()
from studyapp.collection import Collection
Collection.open(sys.argv[1]).home()
print(time.perf_counter() - start)
"""

APP_START_PROBE = """
import asyncio, sys, time
start = time.perf_counter()
from studyapp.collection import Collection
from studyapp.ui.app import make_app
collection = Collection.open(sys.argv[1])
app = make_app(collection)
async def main():
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        shown = time.perf_counter()
        # The learner presses r at once: the review screen's first card, with whatever
        # start-up left for later (SQLAlchemy's import, the engine) paid here.
        await pilot.press("r")
        await pilot.pause()
        while type(app.screen).__name__ != "ReviewScreen":
            await pilot.pause(0.01)
        print(shown - start, time.perf_counter() - shown)
asyncio.run(main())
"""


def measure(db_path: Path | str, runs: int) -> dict[str, float]:
    from studyapp.collection import Collection
    from studyapp.progress.stats import reviews_per_day, stats_data
    from studyapp.review.cards import ReviewSession

    url = resolve_db_url(str(db_path))  # a SQLite file, or a PostgreSQL URL
    settings = Settings(clock=FixedClock(NOON))
    collection = Collection.open(url, settings=settings)  # first sync of the bundled decks
    db = collection.db
    figures: dict[str, float] = {}
    env = {**os.environ, "STUDYAPP_DB": str(db_path)}
    script = Path(sys.executable).parent / "studyapp"
    figures["cli_help"] = run_subprocess_time([str(script), "--help"], runs, env)
    try:
        import studyapp.ui.app  # noqa: F401

        samples, first_cards = [], []
        for _ in range(max(3, runs // 2)):
            out = subprocess.run(
                [sys.executable, "-c", APP_START_PROBE, str(db_path)],
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            shown, first_card = out.stdout.strip().splitlines()[-1].split()
            samples.append(float(shown))
            first_cards.append(float(first_card))
        figures["app_start"] = statistics.median(samples)
        figures["first_review"] = statistics.median(first_cards)
        figures.update(frames.measure_ui_keys(db_path, runs))
    except ImportError:
        pass
    samples = []
    for _ in range(max(3, runs // 2)):
        out = subprocess.run(
            [sys.executable, "-c", OPEN_HOME_PROBE, str(db_path)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    figures["open_home"] = statistics.median(samples)
    figures["home_counts"] = median_time(collection.home, runs) * 1000
    figures["queue_build"] = median_time(lambda: ReviewSession(db, settings), runs) * 1000
    with db.session() as session:
        figures["reviews_per_day"] = (
            median_time(
                lambda: reviews_per_day(session, TODAY.replace(year=TODAY.year - 1), TODAY), runs
            )
            * 1000
        )
    figures["stats_data"] = median_time(lambda: stats_data(db, settings), runs) * 1000
    with tempfile.TemporaryDirectory() as folder:
        from studyapp.transfer import export

        def to_csv() -> None:
            with open(Path(folder) / "cards.csv", "w", newline="") as out:
                export.write_cards_csv(db, out)
            with open(Path(folder) / "cards.reviews.csv", "w", newline="") as out:
                export.write_reviews_csv(db, out)

        def cards_csv() -> None:
            with open(Path(folder) / "cards.csv", "w", newline="") as out:
                export.write_cards_csv(db, out)

        figures["export_csv"] = median_time(to_csv, max(1, runs // 2))
        figures["export_csv_cards"] = median_time(cards_csv, max(1, runs // 2))
        figures["export_apkg"] = median_time(
            lambda: export.write_apkg(db, Path(folder) / "out.apkg"), max(1, runs // 3)
        )
    figures.update(measure_drills(runs))
    figures["sync_unchanged"] = median_time(lambda: collection.sync(content_dir()), runs) * 1000
    # Grades last: they change the collection. Room for two rounds of 200 reviews.
    roomy = settings.with_preferences({"reviews_per_day": 1000})
    next_times, grade_times = review_round(db, roomy, 200)
    if grade_times:
        figures["record_grade"] = statistics.median(grade_times) * 1000
        figures["next_item"] = statistics.median(next_times[1:] or next_times) * 1000
    # Anki commits every answer with synchronous=FULL (an fsync per grade: safe against a
    # power cut); the store uses NORMAL (safe against a killed app). The same grades with
    # FULL, for a like-with-like row.
    db.close()  # every connection is opened again, now with FULL
    event.listen(db.engine, "connect", _synchronous_full)
    if db.sqlite_file is not None:  # the plain connections that record grades
        db.sqlite_file.synchronous = "FULL"
    if db.postgres is not None:  # PostgreSQL's like: a commit waits for the WAL's flush
        db.postgres.synchronous_commit = "on"
    later = Settings(clock=FixedClock(NOON + timedelta(days=30)))  # a day with cards left
    _, grade_times = review_round(db, later.with_preferences({"reviews_per_day": 1000}), 200)
    if grade_times:  # PostgreSQL: synchronous_commit on
        figures["record_grade_full"] = statistics.median(grade_times) * 1000
    collection.close()
    figures.update(measure_fsrs(db_path, runs))
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(db_path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    resident, peak = out.stdout.strip().splitlines()[-1].split()
    figures["memory"], figures["memory_peak"] = float(resident), float(peak)
    if isinstance(db_path, Path):  # on PostgreSQL the server's files are not the collection's
        size = sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*"))
        figures["db_size"] = size / 1e6
    from tests.bench.browse_rows import measure_browse

    figures.update(measure_browse(db_path, settings, runs))
    return figures


def measure_fsrs(db_path: Path | str, runs: int) -> dict[str, float]:
    """FSRS's queue and grade cost (issue 17): the collection switched to FSRS (its state
    derived from the whole log, not timed here), then a queue and a round of grades on a day
    with cards left."""
    from dataclasses import replace

    from studyapp.collection import Collection
    from studyapp.review.cards import ReviewSession

    day = Settings(clock=FixedClock(NOON + timedelta(days=60)))
    collection = Collection.open(resolve_db_url(str(db_path)), settings=day, sync=False)
    collection.set_preference("scheduler", "fsrs")  # derives FSRS's state from the log
    on_fsrs = replace(collection.settings, reviews_per_day=1000)
    figures = {
        "fsrs_queue_build": median_time(lambda: ReviewSession(collection.db, on_fsrs), runs) * 1000
    }
    _, grade_times = review_round(collection.db, on_fsrs, 100)
    if grade_times:
        figures["fsrs_record_grade"] = statistics.median(grade_times) * 1000
    collection.close()
    return figures


def _synchronous_full(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):  # PostgreSQL has no such pragma
        dbapi_connection.execute("PRAGMA synchronous = FULL")


def review_round(db: Any, settings: Settings, count: int) -> tuple[list[float], list[float]]:
    """Show and grade up to `count` cards of a fresh session: (next-item times, grade times)."""
    from studyapp.review.cards import ReviewSession

    review = ReviewSession(db, settings)
    grade_times, next_times = [], []
    for index in range(min(count, review.remaining)):
        start = time.perf_counter()
        _ = review.current
        next_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        review.grade((5, 4, 3)[index % 3], duration_ms=4000)
        grade_times.append(time.perf_counter() - start)
    return next_times, grade_times


def measure_drills(runs: int) -> dict[str, float]:
    from studyapp.answers import check_answer, parse_answer
    from studyapp.drills import make_problem, registry

    topics = list(registry())
    count = 50 * len(topics)
    seeds = iter(range(10**9))

    def generate() -> None:
        for index in range(count):
            make_problem(topics[index % len(topics)], next(seeds), 1 + index % 3)

    per_problem = median_time(generate, max(1, runs // 2)) / count * 1000
    slowest, steps = _slowest_topic(topics, runs)
    problems = [make_problem(t, 7, 1) for t in topics]
    typed = []
    for problem in problems:
        answer = problem.answer
        if isinstance(answer, list) and answer and isinstance(answer[0], list):
            typed.append("; ".join(", ".join(f"{v:.4f}" for v in row) for row in answer))
        elif isinstance(answer, list):
            typed.append(", ".join(f"{v:.4f}" for v in answer))
        else:
            typed.append(f"{answer:.5g}")
    expressions = ["1/(1+e^-2)", "sqrt(2)/3", "exp(1.5) - ln(2)", "2pi/7"]
    check_answer(expressions[0], problems[0])  # warm SymPy once

    def check_all() -> None:
        for problem, text in zip(problems, typed, strict=True):
            check_answer(text, problem)
        for text in expressions:
            check_answer(text, problems[0])

    per_check = median_time(check_all, runs) / (len(problems) + len(expressions)) * 1000

    def checker(text: str) -> Callable[[], Any]:
        return lambda: check_answer(text, problems[0])

    worst = max(median_time(checker(text), 3) for text in expressions) * 1000
    # Moved here from tests/test_answers.py, where wall-clock bounds made unit tests flaky.
    plain = make_problem("softmax", 7, 1)
    fast = median_time(lambda: check_answer("0.09, 0.24, 0.67", plain), max(runs, 20)) * 1000
    long_text = "+".join(["1/(1+e^-2)"] * 27)  # at MAX_EXPRESSION_LENGTH
    long = median_time(lambda: parse_answer(long_text), runs) * 1000
    huge = ["9^9^9", "exp(exp(exp(10)))", "2^2^2^2^2^2^2^2", "10^308 * 10^308"]
    refuse = max(median_time(checker(text), 3) for text in huge) * 1000
    return {
        "problem": per_problem,
        "problem_slowest": slowest,
        "check_steps": steps,
        "check_answer": per_check,
        "check_answer_worst": worst,
        "check_answer_fast": fast,
        "check_answer_long": long,
        "refuse_huge": refuse,
    }


def _slowest_topic(topics: list[str], runs: int) -> tuple[float, float]:
    """The slowest topic's problem generation (ms, 30 seeds × 3 levels) and the slowest
    stepwise grading: every checkpoint filled, the first one off the track and the rest
    carried from it, as a learner's worked answer with one early slip."""
    from studyapp.answers.steps import grade_steps
    from studyapp.drills import make_problem
    from studyapp.drills.base import show

    def generate(topic: str) -> Callable[[], None]:
        return lambda: [make_problem(topic, seed, 1 + seed % 3) for seed in range(90)]

    slowest = max(median_time(generate(t), max(1, runs // 2)) / 90 * 1000 for t in topics)
    worst = 0.0
    for topic in topics:
        problem = make_problem(topic, 7, 2)
        if len(problem.checkpoints) < 2:
            continue
        values: dict[str, Any] = {}
        for index, point in enumerate(problem.checkpoints):
            value = point.recompute(values)
            values[point.name] = (np.asarray(value) * 1.3 + 0.2).tolist() if index == 0 else value
        typed = {name: show(value, 8) for name, value in values.items()}
        worst = max(worst, median_time(lambda p=problem, t=typed: grade_steps(p, t), runs) * 1000)
    return slowest, worst


# Which Anki figure stands beside which of ours (anki_side.measure_anki's keys).
ANKI_ROW = {
    "open_home": "app_start",  # Anki: import + open + deck counts, no UI
    "home_counts": "home_counts",
    "queue_build": "queue_build",
    "next_item": "next_item",
    "record_grade": "record_grade",
    "record_grade_full": "record_grade",
    "reviews_per_day": "reviews_per_day",
    "stats_data": "stats_data",  # the graphs backend call, 365 days
    "export_csv_cards": "export_csv",  # Anki's text export: notes only
    "export_apkg": "export_apkg",
    "memory": "memory",
    "memory_peak": "memory_peak",
    "db_size": "db_size",
}
ANKI_ROW.update(backup_rows.ANKI_ROWS)


def _row(value: float, budget: float | None, anki: float | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "value": round(value, 4),
        "budget": budget,
        "ok": None if budget is None else value <= budget,
    }
    if anki is not None:
        row["anki"] = round(anki, 4)
        row["ratio"] = round(value / anki, 3) if anki > 0 else None
    return row


def report_of(
    args: argparse.Namespace,
    built: float,
    figures: dict[str, float],
    anki: dict[str, float] | None,
    anki_built: float | None,
) -> dict[str, Any]:
    rows = {}
    for key, label, budget, unit in BUDGETS:
        if key not in figures:
            continue
        theirs = anki.get(ANKI_ROW.get(key, "")) if anki else None
        rows[key] = {**_row(figures[key], budget, theirs), "unit": unit, "label": label.strip()}
    report: dict[str, Any] = {
        "cards": args.cards,
        "reviews": args.reviews,
        "runs": args.runs,
        "build_seconds": round(built, 1),
        "database": "sqlite" if isinstance(args.db or Path(), Path) else "postgresql",
        "figures": rows,
        "extra": {"check_answer_worst_ms": round(figures.get("check_answer_worst", 0), 3)},
    }
    if anki is not None:
        report["anki"] = {
            "version": anki_version(),
            "build_seconds": round(anki_built or 0, 1),
            "figures": {key: round(value, 4) for key, value in anki.items()},
        }
    return report


def anki_version() -> str:
    try:
        from anki.buildinfo import version
    except ImportError:
        return "unknown"
    return str(version)


def print_table(report: dict[str, Any]) -> None:
    figures, anki = report["figures"], report.get("anki")
    print(
        f"studyapp benchmark: {report['cards']:,} cards, {report['reviews']:,} reviews "
        f"(built in {report['build_seconds']:.1f} s), median of {report['runs']} runs"
    )
    if anki:
        print(
            f"against Anki {anki['version']} (same collection built in "
            f"{anki['build_seconds']:.1f} s); ratio = ours / Anki, below 1 is faster"
        )
    print()
    head = f"{'operation':<44} {'ours':>13}"
    if anki:
        head += f" {'Anki':>13} {'ratio':>7}"
    print(head + f" {'budget':>11}")
    for key, label, budget, unit in BUDGETS:
        row = figures.get(key)
        line = f"{label:<44} "
        if row is None:
            print(line + f"{'n/a':>13}")
            continue
        line += f"{row['value']:>9.3f} {unit:<3}"
        if anki:
            if "anki" in row:
                ratio = row["ratio"]
                line += (
                    f" {row['anki']:>9.3f} {unit:<3} {ratio:>7.2f}"
                    if ratio
                    else f" {row['anki']:>9.3f} {unit:<3} {'-':>7}"
                )
            else:
                line += f" {'-':>13} {'-':>7}"
        if budget is not None:
            line += f" {budget:>7} {unit:<3} {'ok' if row['ok'] else 'OVER'}"
        print(line)
    print(f"\nslowest typed-expression check: {report['extra']['check_answer_worst_ms']:.2f} ms")
    if report.get("database") == "postgresql":
        print(frames.POSTGRES_ONLY_NOTE)
    if anki and "stats_legacy" in anki["figures"]:
        print(
            f"Anki's legacy stats report (col.stats().report, year): "
            f"{anki['figures']['stats_legacy']:.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--db",
        type=frames.target,
        help="keep the SQLite database at this path, or build on this PostgreSQL URL (emptied)",
    )
    parser.add_argument(
        "--against-anki",
        action="store_true",
        help="build the same collection in Anki and time its matching calls",
    )
    args = parser.parse_args()
    if args.against_anki:
        from tests.bench import anki_side

        if not anki_side.available():
            parser.error("--against-anki needs the anki package: pip install 'studyapp[anki]'")

    folder = Path(tempfile.mkdtemp(prefix="studyapp-bench-"))
    db_path = args.db or folder / "bench.db"
    anki: dict[str, float] | None = None
    anki_built: float | None = None
    try:
        frames.fresh_database(db_path)
        start = time.perf_counter()
        db = open_database(resolve_db_url(str(db_path)))
        from tests.bench.build import build_collection

        build_collection(db, args.cards, args.reviews, TODAY)
        db.close()
        built = time.perf_counter() - start
        figures = measure(db_path, args.runs)
        figures |= backup_rows.measure_backup(db_path, max(1, args.runs // 3), folder)
        if args.against_anki:
            from tests.bench.anki_side import build_anki_collection, measure_anki

            anki_path = folder / "anki" / "collection.anki2"
            anki_path.parent.mkdir()
            start = time.perf_counter()
            build_anki_collection(anki_path, args.cards, args.reviews)
            anki_built = time.perf_counter() - start
            anki = measure_anki(anki_path, args.runs, anki_path.parent)
            anki |= backup_rows.measure_anki_backup(anki_path, max(1, args.runs // 3), folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # with --db, the database lives elsewhere
    report = report_of(args, built, figures, anki, anki_built)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print_table(report)


if __name__ == "__main__":
    main()
