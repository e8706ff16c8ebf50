"""The same synthetic collection built in Anki, and the Anki calls that match our budget rows.

Needs the optional `anki` package (the Rust-backed library from PyPI). The collection has
the shape of build.py's: Basic notes, one card each, spread over 20 decks under one parent
(so the parent's limits of 200 reviews / 20 new a day play the part of ours), a third of
the cards new, the rest in review with due days across the past 30 and the next 365; the
review log spread over the last two years. Rows go in with `col.db.executemany` straight
into Anki's tables (notes, cards, revlog): adding 100,000 notes through the note API
would take minutes.

Anki dates its log rows by id (epoch milliseconds) and its review cards by day number
since the collection was created, so the collection is anchored to the real clock, not to
run.py's fixed day; the spread is the same.
"""

from __future__ import annotations

import hashlib
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DECKS = 20
PARENT = "Synthetic"
BATCH = 50_000

# Anki constants (anki.consts): card types/queues and review-log kinds.
NEW, REVIEW = 0, 2
REVLOG_REVIEW = 1
# Our SM-2 grades 1..5 (build.py's weights) become Anki's buttons 1..4.
QUALITY_WEIGHTS = ((1, 2, 3, 4, 5), (5, 5, 20, 45, 25))
BUTTON_OF_QUALITY = {1: 1, 2: 1, 3: 2, 4: 3, 5: 4}


def available() -> bool:
    try:
        import anki.collection  # noqa: F401
    except ImportError:
        return False
    return True


def _checksum(text: str) -> int:
    """Anki's note checksum: the first 8 hex digits of SHA-1 of the sort field."""
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)


def build_anki_collection(path: Path, cards: int, reviews: int, seed: int = 1) -> None:
    """Create an Anki collection at `path` with `cards` Basic notes and `reviews` log rows."""
    from anki.collection import Collection

    rng = random.Random(seed)
    col: Any = Collection(str(path))  # Any: the stubs allow a closed db and a dummy scheduler
    try:
        basic = col.models.by_name("Basic")
        assert basic is not None
        model_id = basic["id"]
        parent = col.decks.id(PARENT)
        decks = [col.decks.id(f"{PARENT}::deck{i:02d}") for i in range(DECKS)]
        col.decks.select(parent)
        today = col.sched.today
        now = int(time.time())
        base_id = now * 1000 - cards * 2  # note and card ids: distinct millisecond stamps

        def fill() -> None:  # one transaction: committing per statement costs minutes
            notes: list[tuple[Any, ...]] = []
            card_rows: list[tuple[Any, ...]] = []

            def flush() -> None:
                col.db.executemany("insert into notes values (?,?,?,?,?,?,?,?,?,?,?)", notes)
                col.db.executemany(
                    "insert into cards values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", card_rows
                )
                notes.clear()
                card_rows.clear()

            review_cards: list[tuple[int, int, int]] = []
            for i in range(cards):
                note_id = card_id = base_id + i
                front = f"Synthetic question number {i} about neural networks?"
                fields = f"{front}\x1fSynthetic answer {i}."
                notes.append(
                    (
                        note_id,
                        f"g{i:09d}",
                        model_id,
                        now,
                        -1,
                        " synthetic bench ",
                        fields,
                        front,
                        _checksum(front),
                        0,
                        "",
                    )
                )
                if i % 3:
                    interval = rng.choice([1, 3, 6, 15, 40, 90, 200])
                    factor = rng.choice(range(1300, 3001, 20))
                    due = today + rng.randint(-30, 365)
                    card = (
                        card_id,
                        note_id,
                        decks[i % DECKS],
                        0,
                        now,
                        -1,
                        REVIEW,
                        REVIEW,
                        due,
                        interval,
                        factor,
                        rng.randint(1, 12),
                        rng.randint(0, 3),
                        0,
                        0,
                        0,
                        0,
                        "",
                    )
                    review_cards.append((card_id, interval, factor))
                else:
                    card = (
                        card_id,
                        note_id,
                        decks[i % DECKS],
                        0,
                        now,
                        -1,
                        NEW,
                        NEW,
                        i,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        "",
                    )
                card_rows.append(card)
                if len(notes) == BATCH:
                    flush()
            if notes:
                flush()

            review_cards = review_cards or [(base_id, 1, 2500)]
            cutoff = col.sched.day_cutoff  # epoch seconds of the next day's start
            rows: list[tuple[Any, ...]] = []
            for n in range(reviews):
                days_ago = rng.randrange(1, 732)
                # noon-ish of that day, plus n ms so that every id (a timestamp) is distinct
                stamp = (cutoff - days_ago * 86400 - 12 * 3600) * 1000 + n
                quality = rng.choices(*QUALITY_WEIGHTS)[0]
                card_id, interval, factor = review_cards[n % len(review_cards)]
                rows.append(
                    (
                        stamp,
                        card_id,
                        -1,
                        BUTTON_OF_QUALITY[quality],
                        interval,
                        max(1, interval // 2),
                        factor,
                        rng.randint(1500, 15000),
                        REVLOG_REVIEW,
                    )
                )
                if len(rows) == BATCH:
                    col.db.executemany("insert into revlog values (?,?,?,?,?,?,?,?,?)", rows)
                    rows.clear()
            if rows:
                col.db.executemany("insert into revlog values (?,?,?,?,?,?,?,?,?)", rows)

        col.db.transact(fill)
    finally:
        col.close()
    col = Collection(str(path))
    try:
        col.db.execute("analyze")
    finally:
        col.close()


def _median(action: Callable[[], Any], runs: int, setup: Callable[[], Any] | None = None) -> float:
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


OPEN_PROBE = """
import sys, time
start = time.perf_counter()
from anki.collection import Collection
col = Collection(sys.argv[1])
col.sched.deck_due_tree()
elapsed = time.perf_counter() - start
with open("/proc/self/status") as f:
    status = {l.split(":")[0]: l.split()[1] for l in f if l.startswith(("VmRSS", "VmHWM"))}
col.close()
print(elapsed, int(status["VmRSS"]) / 1024, int(status["VmHWM"]) / 1024)
"""

REVIEWS_PER_DAY_SQL = """
select cast((id / 1000.0 - ?) / 86400.0 as int) as day, count(),
       sum(case when ease = 1 then 0 else 1 end)
from revlog where id > ? group by day order by day
"""


def measure_anki(path: Path, runs: int, folder: Path) -> dict[str, float]:
    """Time the Anki calls matching run.py's rows (same units: s, ms, MiB, MB)."""
    from anki.collection import Collection, ExportAnkiPackageOptions
    from anki.scheduler.v3 import CardAnswer

    figures: dict[str, float] = {}
    opens, rss, peak = [], [], []
    for _ in range(max(3, runs // 2)):
        out = subprocess.run(
            [sys.executable, "-c", OPEN_PROBE, str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
        elapsed, resident, high = (float(x) for x in out.stdout.split())
        opens.append(elapsed)
        rss.append(resident)
        peak.append(high)
    figures["app_start"] = statistics.median(opens)  # import + open + counts, no UI
    figures["memory"] = statistics.median(rss)
    figures["memory_peak"] = statistics.median(peak)

    col: Any = Collection(str(path))
    try:
        parent = col.decks.id(PARENT, create=False)
        figures["home_counts"] = _median(col.sched.deck_due_tree, runs) * 1000

        # The queue is cached in the backend until an operation invalidates it; switching
        # to another deck and back is such an operation, so each timed call builds it afresh.
        other = col.decks.id(f"{PARENT}::deck00", create=False)

        def invalidate() -> None:
            col.decks.select(other)
            col.decks.select(parent)

        figures["queue_build"] = _median(col.sched.get_queued_cards, runs, invalidate) * 1000
        cutoff = col.sched.day_cutoff
        first = (cutoff - 365 * 86400) * 1000
        figures["reviews_per_day"] = (
            _median(lambda: col.db.all(REVIEWS_PER_DAY_SQL, cutoff, first), runs) * 1000
        )
        figures["stats_data"] = (
            _median(lambda: col._backend.graphs(search="", days=365), max(1, runs // 2)) * 1000
        )
        figures["stats_legacy"] = (
            _median(lambda: col.stats().report(type=1), max(1, runs // 3)) * 1000
        )
        figures["export_csv"] = _median(
            lambda: col.export_note_csv(
                out_path=str(folder / "anki-notes.csv"),
                limit=None,
                with_html=True,
                with_tags=True,
                with_deck=True,
                with_notetype=False,
                with_guid=False,
            ),
            max(1, runs // 2),
        )
        figures["export_apkg"] = _median(
            lambda: col.export_anki_package(
                out_path=str(folder / "anki.apkg"),
                options=ExportAnkiPackageOptions(
                    with_scheduling=True, with_deck_configs=True, with_media=False
                ),
                limit=None,
            ),
            max(1, runs // 3),
        )
        # Per review: fetch the next card, then answer it (committed to disk at once).
        next_times, grade_times = [], []
        ratings = (CardAnswer.GOOD, CardAnswer.EASY, CardAnswer.HARD)
        invalidate()
        col.sched.get_queued_cards()
        for index in range(200):
            start = time.perf_counter()
            queued = col.sched.get_queued_cards()
            next_times.append(time.perf_counter() - start)
            if not queued.cards:
                break
            top = queued.cards[0]
            start = time.perf_counter()
            card = col.get_card(top.card.id)  # what the reviewer does before answering
            card.start_timer()
            answer = col.sched.build_answer(
                card=card, states=top.states, rating=ratings[index % len(ratings)]
            )
            col.sched.answer_card(answer)
            grade_times.append(time.perf_counter() - start)
        if grade_times:
            figures["next_item"] = statistics.median(next_times) * 1000
            figures["record_grade"] = statistics.median(grade_times) * 1000
    finally:
        col.close()
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    figures["db_size"] = size / 1e6
    return figures
