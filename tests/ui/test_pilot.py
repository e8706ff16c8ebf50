"""Pilot tests: drive the app with keys at 100×32 and check what the database says.

Expectations are worked out by hand from SM-2 (docs/architecture.md) and from the fixture decks,
not read back from the code under test.
"""

from __future__ import annotations

import io
import sqlite3
from datetime import date, timedelta
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import func, select
from textual.widgets import DataTable, Input, Static
from textual_plotext import PlotextPlot

from studyapp.collection import Collection
from studyapp.config import FixedClock, Settings
from studyapp.store.models import Card, DrillAttempt, Review
from studyapp.ui.app import make_app
from studyapp.ui.browse import BrowseScreen, CardScreen, ConfirmScreen
from studyapp.ui.drill import DrillScreen
from studyapp.ui.help import HelpScreen
from studyapp.ui.home import NOTHING_DUE, HomeScreen
from studyapp.ui.review import ReviewScreen
from studyapp.ui.stats import StatsScreen
from studyapp.ui.topics import TopicsScreen
from studyapp.ui.widgets import Heatmap

from .builders import SEED, open_collection, right_answer

SIZE = (100, 32)
TODAY = date(2026, 3, 10)


def plain(widget: Static) -> str:
    """What a Static shows, as plain text (tables and groups included)."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def reviews(collection: Collection) -> list[tuple[str, str, int, bool]]:
    with collection.db.session() as session:
        return [
            (r.kind, r.item_id, r.quality, r.repeat)
            for r in session.scalars(select(Review).order_by(Review.id))
        ]


def card(collection: Collection, card_id: str) -> Card:
    with collection.db.session() as session:
        found = session.get(Card, card_id)
        assert found is not None
        return found


def attempts(collection: Collection) -> list[DrillAttempt]:
    with collection.db.session() as session:
        return list(session.scalars(select(DrillAttempt).order_by(DrillAttempt.id)))


# ------------------------------------------------------------------------------ home


async def test_home_reads_the_counts(collection: Collection) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        # 8 new cards in two decks (5 + 3), 4 topics never drilled of which 3 a day
        # (new_topics_per_day), nothing studied yet
        assert "8 cards" in plain(screen.query_one("#stat-left", Static))
        assert "0 reviews" in plain(screen.query_one("#stat-done", Static))
        assert "0 days" in plain(screen.query_one("#stat-streak", Static))
        assert "0 due · 3 new" in plain(screen.query_one("#stat-drills", Static))
        table = screen.query_one("#decks", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows == [
            ["Neuron basics", "0", "5"],
            ["Training", "0", "3"],
            ["All decks", "0", "8"],
        ]


async def test_home_estimates_the_minutes_of_today(collection: Collection) -> None:
    """No history yet: the defaults, 8 new cards x 10 s and 3 new topics x 90 s = 350 s."""
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "≈ 6 min today" in plain(app.screen.query_one("#home-title", Static))


async def test_home_with_history_and_refresh_after_review(studied: Collection) -> None:
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        # studied 1, 2, 3 and 4 days ago but not 5: a streak of 4 that today has not broken
        assert "4 days" in plain(screen.query_one("#stat-streak", Static))
        before = len(reviews(studied))
        due = int(plain(screen.query_one("#stat-left", Static)).split()[0])
        assert due > 0
        await pilot.press("r", "space", "5")
        await pilot.press("escape")
        await app.workers.wait_for_complete()  # the counts come from a worker
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert len(reviews(studied)) == before + 1
        assert "1 review" in plain(app.screen.query_one("#stat-done", Static))
        assert f"{due - 1} card" in plain(app.screen.query_one("#stat-left", Static))


@pytest.mark.parametrize("size", [(80, 24), SIZE])
async def test_home_shows_the_weakest_topics_with_their_results(
    studied: Collection, size: tuple[int, int]
) -> None:
    weakest = studied.home().weakest
    assert 0 < len(weakest) <= 5
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        panel = screen.query_one("#weakest", Static)
        assert panel.display and panel.region.height >= len(weakest) + 2
        lines = plain(panel).splitlines()
        assert [line.split()[0] for line in lines] == [t.recent for t in weakest]
        assert all(t.title[:10] in line for t, line in zip(weakest, lines, strict=True))
        assert screen.query_one("#decks", DataTable).region.height >= 4  # not crowded out
        footer = app.export_screenshot()
        assert "Keys" in footer and "Stats" in footer


async def test_home_folds_the_weakest_topics_away_when_narrow(studied: Collection) -> None:
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert not app.screen.query_one("#weakest", Static).display
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.screen.query_one("#weakest", Static).display


async def test_home_counts_cards_and_drills_apart(studied: Collection) -> None:
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        app.start_drill(["softmax"])
        await pilot.pause()
        await pilot.press("ctrl+g")  # give up: an attempt, logged
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        while not isinstance(app.screen, HomeScreen):
            await pilot.press("escape")
            await pilot.pause()
        await app.workers.wait_for_complete()  # the counts come from a worker
        await pilot.pause()
        assert "0 reviews" in plain(app.screen.query_one("#stat-done", Static))
        drills = app.screen.query_one("#stat-drills", Static)
        assert drills.border_title == "Drills ✓ 1"
        assert len(drills.border_title) + 4 <= drills.size.width  # whole on the border


async def test_nothing_due_is_said_calmly(collection: Collection) -> None:
    for card_id in [r.id for r in collection.search_cards()]:
        collection.suspend(card_id)
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert plain(app.screen.query_one("#home-message", Static)).strip() == (
            "Cards are done for today. d drills the topics that are due."
        )
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert any(NOTHING_DUE in str(n.message) for n in app._notifications)


async def test_a_bad_stored_preference_opens_with_a_warning(tmp_path, ui_clock) -> None:
    path = tmp_path / "ui.db"
    open_collection(path, ui_clock).close()
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO preferences (key, value) VALUES ('rollover_hour', '99')")
    connection.close()
    collection = Collection.open(f"sqlite:///{path}", Settings(clock=ui_clock), sync=False)
    try:
        assert collection.settings.rollover_hour == 4
        app = make_app(collection, seed=SEED, schedule_new_topics=False)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            (shown,) = [n for n in app._notifications if "rollover_hour" in str(n.message)]
            assert "between 0 and 23, not 99" in str(shown.message)
            assert shown.severity == "warning"
    finally:
        collection.close()


# ------------------------------------------------------------------------------ review


async def test_a_grade_met_by_a_held_lock_is_a_calm_message_and_can_be_given_again(
    collection: Collection, monkeypatch: Any
) -> None:
    """Another process holds the write lock past the busy timeout: the grade is not saved,
    the learner is told so, the card stays, and the same key works once the lock is gone."""
    import sqlite3

    assert collection.db.sqlite_file is not None
    collection.db.close()
    monkeypatch.setattr(collection.db.sqlite_file, "timeout", 0.2)
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("r", "space")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        shown = screen.session.current
        assert shown is not None
        other = sqlite3.connect(collection.db.sqlite_file.path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("4")
            await pilot.pause()
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert any("Not saved" in str(n.title) for n in app._notifications)
        assert app.screen is screen and screen.session.current == shown
        with collection.db.session() as session:
            assert session.scalar(select(func.count()).select_from(Review)) == 0
        await pilot.press("4")
        await pilot.pause()
        with collection.db.session() as session:
            assert session.scalars(select(Review.item_id)).all() == [shown.id]


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        ("database or disk is full", "the disk is full; free some space"),
        ("attempt to write a readonly database", "is read-only"),
        ("disk I/O error", "disk I/O error"),
    ],
)
async def test_a_grade_not_saved_says_what_went_wrong(
    collection: Collection, monkeypatch: Any, reason: str, said: str
) -> None:
    """A full disk or a read-only file is not "busy or locked": waiting would not help.

    The store turns the driver's error into a `StoreError` whose message says which (one
    classifier, `store.db.explain`); the UI shows that message as it is."""
    import sqlite3

    from studyapp.collection import StoreError
    from studyapp.store.db import explain

    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("r", "space")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)

        def fail(*_: object) -> None:
            message = explain(sqlite3.OperationalError(reason), collection.db.url)
            assert message is not None
            raise StoreError(message)

        monkeypatch.setattr(screen.session, "grade", fail)
        await pilot.press("4")
        await pilot.pause()
        shown = "\n".join(toasts(app))
        assert "Not saved" in shown and said in shown
        assert "busy" not in shown and "locked" not in shown
        assert app.screen is screen and not screen.finished


async def test_review_three_grades_and_undo(collection: Collection, ui_clock: FixedClock) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        # new cards come one deck at a time in turn (neither fixture deck is on the learning
        # path: by name, Neuron basics first), each deck's in file order
        order = ["ui-neuron-sum", "ui-lr", "ui-sigmoid-range", "ui-softmax-sum", "ui-relu"]
        assert screen.session.current is not None
        assert screen.session.current.id == order[0]

        ui_clock.advance(seconds=7)
        await pilot.press("space", "5")
        await pilot.press("space", "4")
        await pilot.press("space", "2")
        assert [(q, rep) for _, _, q, rep in reviews(collection)] == [
            (5, False),
            (4, False),
            (2, False),
        ]
        await pilot.press("u")  # takes back the 2: that card is shown again, front up
        await pilot.pause()
        assert screen.session.current is not None
        assert screen.session.current.id == order[2]
        assert not screen.revealed
        assert not screen.query_one("#back-side").display
        await pilot.press("space", "3")

    rows = reviews(collection)
    assert [(item, q) for _, item, q, _ in rows] == [
        (order[0], 5),
        (order[1], 4),
        (order[2], 3),
    ]
    tomorrow = TODAY + timedelta(days=1)
    # first grade of a new card: n = 1, I = 1; EF + 0.1 for 5, + 0 for 4, - 0.14 for 3
    expected = {order[0]: 2.6, order[1]: 2.5, order[2]: 2.36}
    for card_id, easiness in expected.items():
        state = card(collection, card_id)
        assert (state.repetitions, state.interval, state.due) == (1, 1, tomorrow)
        assert abs(state.easiness - easiness) < 1e-9
    # the first card was shown 7 s before its grade (the app times with the collection clock)
    with collection.db.session() as session:
        first = session.scalars(select(Review).order_by(Review.id)).first()
        assert first is not None and first.duration_ms == 7000


async def test_undo_of_a_grade_graded_over_elsewhere_is_a_calm_message(
    collection: Collection,
) -> None:
    """Another terminal grades the same card after this one: u says why it cannot take the
    grade back, changes nothing, and is no longer offered."""
    from studyapp.review.cards import ReviewSession
    from studyapp.store import open_database

    assert collection.db.path is not None
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        other = open_database(f"sqlite:///{collection.db.path}")
        try:
            elsewhere = ReviewSession(other, collection.settings)
            await pilot.press("space", "4")
            elsewhere.grade(5)  # the same first card, in the other terminal
        finally:
            other.close()
        graded = reviews(collection)
        await pilot.press("u")
        await pilot.pause()
        assert reviews(collection) == graded
        [note] = [n for n in app._notifications if n.title == "Undo"]
        assert "graded again elsewhere" in str(note.message) and note.severity == "information"
        assert "undo" not in {b.binding.action for b in screen.active_bindings.values()}


async def test_grade_keys_wait_for_the_reveal(collection: Collection) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        shown = {b.binding.action for b in screen.active_bindings.values()}
        assert not any(action.startswith("grade") for action in shown)
        assert "undo" not in shown  # nothing graded yet
        await pilot.press("4", "0")
        assert reviews(collection) == []
        await pilot.press("space")
        await pilot.pause()
        shown = {b.binding.action for b in screen.active_bindings.values()}
        assert {f"grade({q})" for q in range(6)} <= shown
        assert "reveal" not in shown
        # the footer label gives the interval: a new card gets 1 day for any grade
        labels = {b.binding.action: b.binding.description for b in screen.active_bindings.values()}
        assert labels["grade(4)"].startswith("Good") and "1d" in labels["grade(4)"]
        assert "↻" in labels["grade(2)"] and "↻" not in labels["grade(5)"]


async def test_review_summary_and_back_home(studied: Collection) -> None:
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.session.total == 2  # the history leaves one card due in each deck
        await pilot.press("space", "5", "space", "3", "space", "4")  # the 3 comes back once
        await pilot.pause()
        assert screen.finished
        text = " ".join(plain(screen.query_one("#summary", Static)).split())
        assert "2 cards (3 answers, 1 repeat)" in text
        assert "2 of 2 (100 %)" in text
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


# ------------------------------------------------------------------------------ drill


async def test_drill_garbage_wrong_hint_right(collection: Collection) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        answer_box = screen.query_one("#answer", Input)
        assert answer_box.has_focus

        await pilot.press(*"abc", "enter")
        message = screen.query_one("#reader-message", Static)
        assert message.display and "Cannot read" in plain(message)
        assert answer_box.value == "abc"  # kept for editing
        assert attempts(collection) == [] and reviews(collection) == []

        answer_box.value = ""
        await pilot.press(*"12345", "enter")
        await pilot.pause()
        assert screen.answered and "Wrong" in plain(screen.query_one("#verdict", Static))
        steps = plain(screen.query_one("#solution", Static))
        problem = screen.session.problem
        assert problem is not None
        assert "1." in steps and f"{len(problem.steps)}." in steps
        first_topic = problem.topic

        await pilot.press("n")
        await pilot.pause()
        problem = screen.session.problem
        assert problem is not None and not screen.answered
        await pilot.press("f2")
        hint = screen.query_one("#hint", Static)
        assert hint.display
        assert " ".join(problem.hint.split()) in " ".join(plain(hint).split())
        await pilot.press(*right_answer(problem.answer), "enter")
        await pilot.pause()
        assert "Right" in plain(screen.query_one("#verdict", Static))
        assert "Grade 3 Hard" in plain(screen.query_one("#grade-line", Static))
        await pilot.press("4")  # override the derived 3
        await pilot.pause()
        assert "Grade 4 Good" in plain(screen.query_one("#grade-line", Static))
        second_topic = problem.topic

    rows = attempts(collection)
    assert [(a.topic_id, a.outcome, a.correct, a.hint_used, a.typed) for a in rows] == [
        (first_topic, "wrong", False, False, "12345"),
        (second_topic, "correct", True, True, right_answer(problem.answer)),
    ]
    # wrong answer: grade 1; right with the hint: 3, overridden to 4
    assert [(kind, item, q) for kind, item, q, _ in reviews(collection)] == [
        ("topic", first_topic, 1),
        ("topic", second_topic, 4),
    ]


async def test_drill_give_up_grades_zero(collection: Collection) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("ctrl+g")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DrillScreen) and screen.answered
        assert screen.query_one("#solution", Static).display
    assert [(a.outcome, a.correct) for a in attempts(collection)] == [("gave_up", False)]
    assert [q for _, _, q, _ in reviews(collection)] == [0]


async def test_regrading_an_attempt_drilled_over_elsewhere_is_a_calm_message(
    collection: Collection,
) -> None:
    from studyapp.review.drilling import DrillSession
    from studyapp.store import open_database

    assert collection.db.path is not None
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("ctrl+g")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DrillScreen) and screen.problem is not None
        other = open_database(f"sqlite:///{collection.db.path}")
        try:
            DrillSession(other, collection.settings, topic_ids=[screen.problem.topic]).give_up()
        finally:
            other.close()
        await pilot.press("5")
        await pilot.pause()
        [note] = [n for n in app._notifications if n.title == "Grade not changed"]
        assert "drilled again elsewhere" in str(note.message) and note.severity == "information"
    assert [q for _, _, q, _ in reviews(collection)] == [0, 0]


async def test_topic_picker_starts_that_topic(collection: Collection) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TopicsScreen)
        table = screen.query_one("#topics", DataTable)
        row = table.get_row_index("softmax")
        table.move_cursor(row=row)
        await pilot.press("2", "enter")
        await pilot.pause()
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        assert drill.problem is not None
        assert (drill.problem.topic, drill.problem.difficulty) == ("softmax", 2)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TopicsScreen)


async def test_a_level_two_drill_names_the_task_and_the_hint_gives_the_formula(
    collection: Collection,
) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        topics = app.screen
        assert isinstance(topics, TopicsScreen)
        table = topics.query_one("#topics", DataTable)
        assert "Scaled dot-product attention" in str(table.get_row("attention")[0])
        table.move_cursor(row=table.get_row_index("attention"))
        await pilot.press("2", "enter")
        await pilot.pause()
        drill = app.screen
        assert isinstance(drill, DrillScreen) and drill.problem is not None
        header = plain(drill.query_one("#drill-topic", Static))
        prompt = plain(drill.query_one("#prompt", Static))
        assert "Scaled dot-product attention" in header and "softmax(" not in header
        assert "Q·Kᵀ" not in prompt and "√d_k" not in prompt
        await pilot.press("f2")
        await pilot.pause()
        assert "softmax(Q·Kᵀ/√d_k)·V" in plain(drill.query_one("#hint", Static))


# ------------------------------------------------------------------------------ stats, browse


async def test_stats_load_in_a_worker(studied: Collection) -> None:
    with studied.db.session() as session:
        logged = session.scalars(select(Review)).all()
    first = TODAY - timedelta(days=29)
    learned = [
        r
        for r in logged
        if r.kind == "card" and not r.repeat and r.prev_repetitions > 0 and r.day >= first
    ]
    retention = round(100 * sum(r.quality >= 3 for r in learned) / len(learned))
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.data is not None
        assert not screen.query_one("#stats-body").loading
        assert f"{retention} %" in plain(screen.query_one("#summary", Static))
        assert sum(screen.query_one("#heatmap", Heatmap).counts.values()) == len(logged)
        topics = plain(screen.query_one("#topics", Static))
        titles = [studied.topic_title(t) for t in ("chain_rule", "mse", "neuron", "softmax")]
        assert all(title[:20] in topics for title in titles)
        assert "chain_rule" not in topics  # titles, not ids


async def test_stats_rank_topics_weakest_first_and_list_the_untried(
    studied: Collection,
) -> None:
    from studyapp.decks.sync import sync_topics

    sync_topics(studied.db, [("relu", studied.topic_title("relu"))])
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_stats(pilot)
        data = screen.data
        assert data is not None
        shares = [t.recent_accuracy for t in data.topics if t.attempts]
        assert shares == sorted(shares)  # weakest first
        assert data.topics[-1].topic == "relu" and data.topics[-1].attempts == 0
        rows = plain(screen.query_one("#topics", Static)).splitlines()
        untried = next(line for line in rows if studied.topic_title("relu")[:20] in line)
        assert "never tried" in untried
        met = data.coverage
        assert (met.topics_met, met.topics_total) == (4, 5)
        assert f"{met.topics_met} of 5 topics" in plain(screen.query_one("#coverage", Static))
        decks = plain(screen.query_one("#decks", Static))
        assert all(deck.name in decks for deck in studied.home().decks)


async def test_stats_charts_draw_no_bar_on_an_empty_day(studied: Collection) -> None:
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_stats(pilot)
        data = screen.data
        assert data is not None
        studied_days = {d.date for d in data.per_day if d.reviews}
        first = TODAY - timedelta(days=29)
        expected = sorted((d - first).days for d in studied_days if d >= first)
        assert screen.bars["per-day"] == expected and len(expected) < 30
        minutes = [(d - first).days for d in sorted(studied_days | drilled(data)) if d >= first]
        assert screen.bars["minutes"] == minutes
        assert screen.bars["forecast"] == [i for i, (_, n) in enumerate(data.forecast) if n]


def drilled(data: Any) -> set[date]:
    return {d.date for d in data.per_day if d.drills}


@pytest.mark.parametrize("size", [(80, 24), (60, 20), (120, 40)])
async def test_stats_read_at_every_usual_size(studied: Collection, size: tuple[int, int]) -> None:
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=size) as pilot:
        screen = await open_stats(pilot)
        drawn = draw_charts(screen)
        assert len(drawn) == 4 and not any("Widen the window" in chart for chart in drawn)
        body = screen.query_one("#stats-body")
        assert body.max_scroll_x == 0  # nothing hides past the right edge
        await pilot.press("end")
        await pilot.pause()
        topics = screen.query_one("#topics", Static)
        assert topics.region.width <= size[0]


def draw_charts(screen: StatsScreen) -> list[str]:
    """Every chart as the terminal would show it (the screen scrolls, so render them all)."""
    return [str(chart.render()) for chart in screen.query(PlotextPlot)]


async def open_stats(pilot: Any) -> StatsScreen:
    await pilot.press("s")
    screen = pilot.app.screen
    assert isinstance(screen, StatsScreen)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert screen.data is not None
    return screen


@pytest.mark.parametrize("width", [1, 7, 8, 13, 14, 15])
async def test_stats_open_in_a_narrow_terminal(studied: Collection, width: int) -> None:
    """plotext fails inside its layout when a chart's plot area is 0 columns wide."""
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=(width, 24)) as pilot:
        screen = await open_stats(pilot)
        app.export_screenshot()
        assert all("Widen the window" in chart for chart in draw_charts(screen))


async def test_stats_draw_at_every_width_and_redraw_on_resize(studied: Collection) -> None:
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_stats(pilot)
        for width in range(1, 41):
            await pilot.resize_terminal(width, 24)
            app.export_screenshot()
            draw_charts(screen)
        await pilot.resize_terminal(*SIZE)
        drawn = draw_charts(screen)
        assert drawn and not any("Widen the window" in chart for chart in drawn)
        assert "Card reviews per day" in drawn[0]


async def test_browse_search_suspend_reset(studied: Collection) -> None:
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        table = screen.query_one("#cards", DataTable)
        assert table.row_count == 8
        await pilot.press(*"relu")
        await pilot.pause(0.4)  # past the typing pause
        assert table.row_count == 1
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == "ui-relu"
        await pilot.press("down")  # from the search box to the table
        assert table.has_focus
        await pilot.press("s")
        await pilot.pause()
        assert card(studied, "ui-relu").suspended
        await pilot.press("s")
        await pilot.pause()
        assert not card(studied, "ui-relu").suspended
        assert card(studied, "ui-relu").due is not None
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        reset = card(studied, "ui-relu")
        assert (reset.due, reset.repetitions, reset.interval, reset.easiness) == (None, 0, 0, 2.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CardScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)


async def test_browse_filters_by_deck_and_tag(collection: Collection) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        table = screen.query_one("#cards", DataTable)
        screen.query_one("#tag", Input).value = "activation"
        await pilot.pause(0.4)
        assert table.row_count == 3  # sigmoid, relu, tanh
        screen.query_one("#tag", Input).value = ""
        screen.query_one("#deck").value = "ui_training"  # type: ignore[attr-defined]
        await pilot.pause(0.4)
        assert table.row_count == 3


# ------------------------------------------------------------------------------ help


def help_rows(app: Any) -> dict[str, tuple[str, bool]]:
    screen = app.screen
    assert isinstance(screen, HelpScreen)
    return {e.keys: (e.description, e.available) for e in screen.entries}


async def test_help_lists_the_keys_of_the_current_screen(collection: Collection) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        rows = help_rows(app)
        for key, description in (
            ("r", "Review"),
            ("d", "Drill"),
            ("t", "Topics"),
            ("s", "Stats"),
            ("b", "Browse"),
            ("q", "Quit"),
        ):
            assert rows[key][0] == description
        assert rows["? / f1"] == ("Keys", True)
        await pilot.press("escape")
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        rows = help_rows(app)
        assert rows["space / ⏎"] == ("Show answer", True)
        assert rows["4"] == ("Good", False)  # listed, but only after the reveal
        assert rows["u"][1] is False
        assert "r" not in rows  # home keys are not this screen's
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)


async def test_f1_in_a_drill_shows_the_answer_syntax_and_keeps_the_typed_answer(
    collection: Collection,
) -> None:
    from textual.containers import VerticalScroll

    from studyapp.collection import ANSWER_SYNTAX, NOT_GRADED

    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and not app.screen.query("#help-syntax")
        await pilot.press("escape", "d")
        await pilot.pause()
        drill = app.screen
        assert isinstance(drill, DrillScreen)
        await pilot.press(*"0.12", "f1")
        await pilot.pause()
        shown = app.screen
        assert isinstance(shown, HelpScreen)
        syntax = " ".join(plain(shown.query_one("#help-syntax", Static)).split())
        assert syntax.startswith("Answers")
        for row in ANSWER_SYNTAX:
            assert all(example in syntax for example in row.examples), row
        assert all(slip.replace("`", "") in syntax for slip in NOT_GRADED)
        scroll = shown.query_one("#help-scroll", VerticalScroll)
        assert scroll.max_scroll_y > 0  # longer than 60×20: it scrolls
        await pilot.press("down", "down")
        await pilot.wait_for_scheduled_animations()
        assert scroll.scroll_y > 0
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is drill
        answer_box = drill.query_one("#answer", Input)
        assert answer_box.value == "0.12" and answer_box.has_focus


async def test_undo_from_the_summary(studied: Collection) -> None:
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        while not screen.finished:
            await pilot.press("space", "5")
        await pilot.press("u", "space", "5")  # undo on the summary brings the card back
        assert screen.finished
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_home_schedules_every_registered_topic_in_the_background(
    collection: Collection,
) -> None:
    from studyapp.drills import registry
    from studyapp.store.models import DrillTopic

    # No daily cap, so the count shows what the path opens: the 4 fixture topics all open
    # (what they wait for is not scheduled yet); once every topic is scheduled, the path's
    # first three alone (neuron, affine_layer, forward_pass)
    collection.set_preference("new_topics_per_day", "999")
    collection.content = None  # the bundled content folder, whose path.toml orders the topics
    assert collection.home().topics_new == 4
    app = make_app(collection, seed=SEED)  # the default: schedule new topics at start
    async with app.run_test(size=SIZE) as pilot:
        scheduled = 0
        for _ in range(200):  # the work starts a moment after the screen is up: wait for it
            await pilot.pause(0.02)
            await app.workers.wait_for_complete()
            with collection.db.session() as session:
                scheduled = session.scalar(select(func.count()).select_from(DrillTopic)) or 0
            if scheduled == len(registry()):
                break
        await pilot.pause()
        assert scheduled == len(registry())
        home = app.screen
        assert isinstance(home, HomeScreen) and home.counts is not None
        assert (home.counts.topics_due, home.counts.topics_new) == (0, 3)
        assert list(collection.drill(seed=SEED).queue) == ["neuron", "affine_layer", "forward_pass"]


async def test_a_store_error_in_the_background_work_is_shown_as_the_store_says_it(
    collection: Collection, monkeypatch: Any
) -> None:
    """What the store raises at its boundary (`StoreError`, one line) is what the learner
    reads; the app stays on the home screen."""
    from studyapp.collection import StoreError
    from studyapp.ui import home

    monkeypatch.setattr(home, "PREPARE_AFTER_S", 0.01)

    def busy() -> int:
        raise StoreError("the study file is busy: another studyapp is writing to it")

    monkeypatch.setattr(collection, "sync_topics", busy)
    app = make_app(collection, seed=SEED)  # schedules new topics at start: meets the error
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        for _ in range(200):
            await pilot.pause(0.02)
            await app.workers.wait_for_complete()
            if toasts(app):
                break
        shown = "\n".join(toasts(app))
        assert "the study file is busy: another studyapp is writing to it" in shown
        assert app.is_running and isinstance(app.screen, HomeScreen)


# ------------------------------------------------------------------------------ learner text

HOSTILE = "[/etc] [bold]b[link=x]l δ[l]"
"""Text a learner or an imported deck may hold that looks like Rich/Textual markup: a
closing tag with nothing open, a style, a link, and the bundled cards' δ[l]."""


def toasts(app: Any) -> list[str]:
    """Every notification on screen, as the learner reads it (title, then message)."""
    from textual.widgets._toast import Toast

    return [toast.render().plain for toast in app.screen.query(Toast)]


def hostile_collection(tmp_path: Any, clock: FixedClock) -> Collection:
    """One deck whose name, card text and tags all contain `HOSTILE`."""
    from studyapp.config import Settings
    from studyapp.decks.sync import sync_bundled_decks

    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "hostile.toml").write_text(
        f"""[deck]
id = "hostile"
name = "Deck {HOSTILE}"

[[cards]]
id = "h-one"
front = "Front {HOSTILE}"
back = "Back {HOSTILE}"
mnemonic = "Hook {HOSTILE}"
why = "Why {HOSTILE}"
tags = ["tag[/etc]", "[bold]"]
source = "src {HOSTILE}"
""",
        encoding="utf-8",
    )
    opened = Collection.open(f"sqlite:///{tmp_path / 'h.db'}", Settings(clock=clock), sync=False)
    report = sync_bundled_decks(opened.db, folder)
    assert not report.errors
    return opened


async def test_learner_text_is_never_markup_on_review(tmp_path: Any, ui_clock: FixedClock) -> None:
    hostile = hostile_collection(tmp_path, ui_clock)
    app = make_app(hostile, seed=SEED, schedule_new_topics=False)
    try:
        async with app.run_test(size=SIZE) as pilot:
            table = app.screen.query_one("#decks", DataTable)
            assert str(table.get_row_at(0)[0]) == f"Deck {HOSTILE}"
            await pilot.press("r", "space")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ReviewScreen)
            assert f"Deck {HOSTILE}" in plain(screen.query_one("#review-deck", Static))
            for name, label in (("front", "Front"), ("back", "Back"), ("mnemonic", "Hook")):
                assert (
                    plain(screen.query_one(f"#{name}", Static))
                    .strip()
                    .endswith(f"{label} {HOSTILE}")
                ), name
            assert plain(screen.query_one("#why", Static)).strip() == f"Why  Why {HOSTILE}"
            await pilot.press("5")
            await pilot.pause()
            assert screen.finished
    finally:
        hostile.close()


async def test_learner_text_is_never_markup_at_home(tmp_path: Any, ui_clock: FixedClock) -> None:
    """Enter on a deck with nothing waiting names the deck in a notification."""
    hostile = hostile_collection(tmp_path, ui_clock)
    hostile.suspend("h-one")
    app = make_app(hostile, seed=SEED, schedule_new_topics=False)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            assert f"Deck {HOSTILE} has nothing waiting today." in "\n".join(toasts(app))
    finally:
        hostile.close()


async def test_learner_text_is_never_markup_in_browse(tmp_path: Any, ui_clock: FixedClock) -> None:
    """Suspend, bring back, reset and open a card whose every text field looks like markup."""
    from textual.widgets import Select

    hostile = hostile_collection(tmp_path, ui_clock)
    app = make_app(hostile, seed=SEED, schedule_new_topics=False)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.press("b")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, BrowseScreen)
            table = screen.query_one("#cards", DataTable)
            assert [str(c) for c in table.get_row_at(0)[:2]] == [
                f"Deck {HOSTILE}",
                f"Front {HOSTILE}",
            ]
            deck_box = screen.query_one("#deck", Select)
            deck_box.value = "hostile"
            await pilot.pause()
            shown = deck_box.query_one("SelectCurrent Static", Static)
            assert str(shown.visual) == f"Deck {HOSTILE}"
            await pilot.press("down", "s")
            await pilot.pause()
            assert card(hostile, "h-one").suspended
            assert f"Suspended: Front {HOSTILE}" in "\n".join(toasts(app))
            await pilot.press("s")
            await pilot.pause()
            assert f"Brought back: Front {HOSTILE}" in "\n".join(toasts(app))
            await pilot.press("r")
            await pilot.pause()
            confirm = app.screen
            assert isinstance(confirm, ConfirmScreen)
            assert f"“Front {HOSTILE}”" in plain(confirm.query_one("#confirm-detail", Static))
            await pilot.press("y")
            await pilot.pause()
            assert f"Reset: Front {HOSTILE}" in "\n".join(toasts(app))
            await pilot.press("enter")
            await pilot.pause()
            opened = app.screen
            assert isinstance(opened, CardScreen)
            body = plain(opened.query_one("#card-scroll Static", Static))
            for text in (f"Front {HOSTILE}", f"Back {HOSTILE}", f"Source  src {HOSTILE}"):
                assert text in body
            assert "tag[/etc] [bold]" in body
            assert f"Deck {HOSTILE}" in plain(opened.query_one("#card-head", Static))
    finally:
        hostile.close()


async def test_a_lock_held_at_start_up_is_a_calm_message_not_a_crash(
    collection: Collection, ui_clock: FixedClock, monkeypatch: Any
) -> None:
    """Another process holds the write lock past the busy timeout while the home screen
    schedules the drill topics in the background: the app stays up, says so calmly, and
    tries again when the home screen comes back."""
    import sqlite3

    from studyapp.config import Settings
    from studyapp.drills import registry
    from studyapp.store import db as store_db
    from studyapp.store.models import DrillTopic
    from studyapp.ui import home

    path = collection.db.path
    assert path is not None
    collection.close()
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(home, "PREPARE_AFTER_S", 0.01)
    reopened = Collection.open(f"sqlite:///{path}", Settings(clock=ui_clock), sync=False)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    app = make_app(reopened, seed=SEED)  # schedules every registered topic at start
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            for _ in range(200):  # the work starts a moment after the screen is up
                await pilot.pause(0.02)
                await app.workers.wait_for_complete()
                if toasts(app):
                    break
            shown = "\n".join(toasts(app))
            assert "busy" in shown and "Traceback" not in shown
            assert app.is_running and app.return_code is None
            assert isinstance(app.screen, HomeScreen)
            other.execute("ROLLBACK")
            await pilot.press("s")  # away and back home: the work is tried again
            await app.workers.wait_for_complete()
            await pilot.press("escape")
            scheduled = 0
            for _ in range(200):
                await pilot.pause(0.02)
                await app.workers.wait_for_complete()
                with reopened.db.session() as session:
                    scheduled = session.scalar(select(func.count()).select_from(DrillTopic)) or 0
                if scheduled == len(registry()):
                    break
            assert scheduled == len(registry())
    finally:
        other.close()
        reopened.close()


# ------------------------------------------------------------------------------ keys (issue 12)


async def test_j_and_k_move_the_topic_list(collection: Collection) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        table = app.screen.query_one("#topics", DataTable)
        assert table.cursor_row == 0
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("question_mark")
        await pilot.pause()
        rows = help_rows(app)
        assert any("j" in keys.split(" / ") for keys in rows)
        assert any("k" in keys.split(" / ") for keys in rows)


async def test_j_and_k_type_in_the_browse_search_and_move_the_table(
    collection: Collection,
) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        search = screen.query_one("#search", Input)
        table = screen.query_one("#cards", DataTable)
        await pilot.press("j", "k", "q", "backspace")
        assert search.value == "jk"  # letters in the box; backspace deletes there
        assert isinstance(app.screen, BrowseScreen)
        search.value = ""
        await pilot.pause(0.4)
        assert table.row_count == 8
        await pilot.press("down")  # to the table
        assert table.has_focus
        await pilot.press("j", "j", "j")
        assert table.cursor_row == 3
        await pilot.press("k")
        assert table.cursor_row == 2
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


@pytest.mark.parametrize("key", ["q", "backspace"])
@pytest.mark.parametrize("opener", ["t", "s", "b", "r"])
async def test_q_and_backspace_go_back_home(collection: Collection, key: str, opener: str) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(opener)
        await pilot.pause()
        assert not isinstance(app.screen, HomeScreen)
        if opener == "b":
            await pilot.press("down")  # out of the search box
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert app.is_running


@pytest.mark.parametrize("key", ["q", "backspace"])
async def test_q_and_backspace_close_the_help_and_the_card(
    collection: Collection, key: str
) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("b", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CardScreen)
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)


@pytest.mark.parametrize("key", ["q", "backspace"])
async def test_drill_q_and_backspace_type_while_answering_and_go_home_after(
    collection: Collection, key: str
) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DrillScreen)
        answer_box = screen.query_one("#answer", Input)
        await pilot.press("1", "2", key)
        assert isinstance(app.screen, DrillScreen)
        assert answer_box.value == ("12q" if key == "q" else "1")
        answer_box.value = "12345"
        await pilot.press("enter")
        await pilot.pause()
        assert screen.answered
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_q_at_home_quits(collection: Collection) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("backspace")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and app.is_running
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_anki_grade_keys_map_to_sm2_grades(collection: Collection) -> None:
    collection.set_preference("grade_keys", "anki")
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=(140, 32)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        rows = help_rows(app)
        assert rows["1"] == ("Again", False) and rows["4"] == ("Easy", False)
        assert "0" not in rows and "5" not in rows and "tab" not in rows
        await pilot.press("escape", "space")
        await pilot.pause()
        labels = {
            b.binding.key: b.binding.description
            for b in screen.active_bindings.values()
            if b.binding.action.startswith("grade")
        }
        assert set(labels) == {"1", "2", "3", "4"}
        assert labels["1"].startswith("Again") and "1d" in labels["1"]
        assert labels["2"].startswith("Hard") and labels["4"].startswith("Easy")
        panel = plain_panel(screen)
        assert "Again" in panel and "Easy" in panel and "Blank" not in panel
        await pilot.press("0", "5")  # not grade keys in this map
        assert reviews(collection) == []
        await pilot.press("1")  # Again -> 0
        await pilot.pause()
        await pilot.press("space", "2")  # Hard -> 3
        await pilot.pause()
        await pilot.press("space", "3", "space", "4")  # Good -> 4, Easy -> 5
        await pilot.pause()
    assert [q for _, _, q, _ in reviews(collection)] == [0, 3, 4, 5]


def plain_panel(screen: ReviewScreen) -> str:
    console = Console(width=140, record=True, file=io.StringIO())
    console.print(screen.query_one("#grades").render())
    return console.export_text()


async def test_sm2_grade_keys_are_the_default(collection: Collection) -> None:
    assert collection.settings.grade_keys == "sm2"
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "space")
        await pilot.pause()
        keys = {
            b.binding.key
            for b in app.screen.active_bindings.values()
            if b.binding.action.startswith("grade")
        }
        assert keys == {"0", "1", "2", "3", "4", "5"}


@pytest.mark.parametrize("key", ["q", "backspace"])
async def test_q_and_backspace_say_no_to_a_confirmation(studied: Collection, key: str) -> None:
    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("down")
        table = app.screen.query_one("#cards", DataTable)
        card_id = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        assert card_id is not None
        before = card(studied, card_id).repetitions
        assert before > 0  # a reset would show
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)
    assert card(studied, card_id).repetitions == before


@pytest.mark.parametrize("size", [(60, 20), (80, 24)])
async def test_home_stat_boxes_fit_a_narrow_screen_on_a_busy_day(
    studied: Collection, size: tuple[int, int]
) -> None:
    """Three-figure counts and a dozen drills done: every box and its title still whole."""
    from dataclasses import replace

    app = make_app(studied, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        busy = replace(
            studied.home(),
            reviews_today=245,
            streak_days=123,
            drills_today=12,
            topics_due=14,
            topics_new=10,
        )
        screen._show_stats(busy)
        await pilot.pause()
        for name in ("done", "left", "streak", "drills"):
            box = screen.query_one(f"#stat-{name}", Static)
            assert box.region.right <= size[0], (name, box.region)
            assert len(str(box.border_title)) + 4 <= box.size.width, (name, box.border_title)
            assert box.size.width >= len(plain(box).strip()), (name, plain(box))
