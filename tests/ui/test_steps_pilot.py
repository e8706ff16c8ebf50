"""Pilot tests of stepwise answers in the drill screen (issue 13): one field per checkpoint,
graded from the learner's own earlier values, the first step off the track named.

The chain_rule problem (app seed 1, the fixture collection) has z1, a1, z2, y_hat and answer.
The values typed below are worked out from the problem's own inputs: a1 is the slip
σ(−z1) = 1 − a1 (the flipped sign), and every later value is computed from that wrong a1,
so a1 is the only wrong step and everything after it is carried.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import select
from textual.widget import Widget
from textual.widgets import Input, Static

from studyapp.collection import Collection
from studyapp.drills import Problem
from studyapp.store.models import DrillAttempt, Review
from studyapp.ui.app import StudyApp, make_app
from studyapp.ui.drill import DrillScreen

from .builders import SEED, right_answer
from .test_pilot import plain

SIZES = [(80, 24), (60, 20)]
STEP_SEED = 1
"""At seed 1 the slip at a1 carried through changes the final answer; at seed 7 it does not
(σ(z)(1 − σ(z)) is the same for a1 and 1 − a1, and the rest moves it by less than the
tolerance), which the last test uses."""


def attempts(collection: Collection) -> list[tuple[str, str, str]]:
    with collection.db.session() as session:
        return [
            (a.topic_id, a.outcome, a.typed)
            for a in session.scalars(select(DrillAttempt).order_by(DrillAttempt.id))
        ]


def grades(collection: Collection) -> list[int]:
    with collection.db.session() as session:
        return [r.quality for r in session.scalars(select(Review).order_by(Review.id))]


def carried_from_a1_slip(problem: Problem) -> dict[str, str]:
    """z1 right, a1 = 1 − a1 (the sign slip), the rest recomputed from that a1."""
    points = {point.name: point for point in problem.checkpoints}
    earlier: dict[str, Any] = {"z1": points["z1"].value, "a1": 1.0 - points["a1"].value}
    for point in problem.checkpoints[2:]:
        earlier[point.name] = point.recompute(earlier)
    return {name: right_answer(value) for name, value in earlier.items()}


async def open_chain_rule(app: StudyApp, pilot: Any) -> DrillScreen:
    app.start_drill(["chain_rule"])
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, DrillScreen) and screen.problem is not None
    assert screen.problem.topic == "chain_rule"
    return screen


async def fill(pilot: Any, screen: DrillScreen, values: Mapping[str, str]) -> None:
    """Type each value into its field with the keys a learner uses: Tab from the answer
    to the first step, then Enter down the steps."""
    await pilot.press("tab")
    for point in screen.problem.checkpoints if screen.problem else ():
        focused = screen.focused
        assert isinstance(focused, Input)
        assert focused is screen.field(point.name)
        await pilot.press(*values.get(point.name, ""))
        if point.name != "answer":
            await pilot.press("enter")
    await pilot.pause()


def on_screen(screen: DrillScreen, widget: Widget) -> bool:
    """The widget is drawn whole inside the screen (not scrolled away, not cut)."""
    region = widget.region
    return region.height > 0 and region.y >= 0 and region.bottom <= screen.size.height


@pytest.mark.parametrize("size", SIZES)
async def test_a_stepwise_problem_has_a_labelled_field_per_checkpoint(
    collection: Collection, size: tuple[int, int]
) -> None:
    app = make_app(collection, seed=STEP_SEED, schedule_new_topics=False)
    async with app.run_test(size=size) as pilot:
        screen = await open_chain_rule(app, pilot)
        assert screen.problem is not None
        names = [point.name for point in screen.problem.checkpoints]
        assert names == ["z1", "a1", "z2", "y_hat", "answer"]
        answer = screen.query_one("#answer", Input)
        assert answer.has_focus  # the final answer alone works as before: type, Enter
        labels = [plain(label) for label in screen.query(".step-label").results(Static)]
        assert [label.split()[0] for label in labels] == names[:-1]
        assert labels[1].startswith("a1  a1 = σ(z1)") or labels[1].endswith("…")
        assert "answer" in str(answer.border_title) and "∂L/∂w1" in str(answer.border_title)
        for name in names:
            field = screen.field(name)
            assert field.region.width >= 12 and field.region.bottom <= size[1]  # usable
        # Tab from the answer starts at the first step; Enter goes down; Shift+Tab back up
        await pilot.press("tab")
        assert screen.focused is screen.field("z1")
        await pilot.press("enter")
        assert screen.focused is screen.field("a1")
        await pilot.press("shift+tab")
        assert screen.focused is screen.field("z1")
        await pilot.press("shift+tab")
        assert screen.focused is answer
        assert attempts(collection) == []


@pytest.mark.parametrize("size", SIZES)
async def test_one_early_slip_is_named_once_and_the_rest_is_carried(
    collection: Collection, size: tuple[int, int]
) -> None:
    app = make_app(collection, seed=STEP_SEED, schedule_new_topics=False)
    async with app.run_test(size=size) as pilot:
        screen = await open_chain_rule(app, pilot)
        assert screen.problem is not None
        values = carried_from_a1_slip(screen.problem)
        await fill(pilot, screen, values)
        await pilot.press("enter")  # in the answer field: check everything typed
        await pilot.pause()
        assert screen.answered
        verdict = screen.session.verdict
        assert [s.status for s in verdict.steps] == [
            "right",
            "wrong",
            "carried",
            "carried",
            "carried",
        ]
        table = plain(screen.query_one("#steps-table", Static))
        rows = {line.split()[0]: line for line in table.splitlines() if line.strip()}
        assert "✓" in rows["z1"] and "✗" in rows["a1"]
        for name in ("z2", "y_hat", "answer"):
            assert "↪" in rows[name] and "right from your values" in " ".join(table.split())
        assert values["a1"] in rows["a1"]
        line = " ".join(plain(screen.query_one("#verdict", Static)).split())
        assert "a1 = σ(z1)" in line and "sign is flipped" in line and "Wrong" in line
        grade_line = plain(screen.query_one("#grade-line", Static))
        assert "Grade 2" in grade_line
        for part in ("#verdict", "#grade-line"):  # the table scrolls, the verdict stays
            assert on_screen(screen, screen.query_one(part)), part
        assert not screen.query_one("#steps").display
        assert screen.query_one("#solution", Static).display
    [(topic, outcome, typed)] = attempts(collection)
    assert (topic, outcome) == ("chain_rule", "wrong")
    assert typed.startswith(f"z1={values['z1']}; a1={values['a1']}")
    assert grades(collection) == [2]  # one slip carried through, not the cascade


@pytest.mark.parametrize("size", SIZES)
async def test_an_unreadable_step_grades_nothing_says_why_and_keeps_the_text(
    collection: Collection, size: tuple[int, int]
) -> None:
    app = make_app(collection, seed=STEP_SEED, schedule_new_topics=False)
    async with app.run_test(size=size) as pilot:
        screen = await open_chain_rule(app, pilot)
        assert screen.problem is not None
        values = {**carried_from_a1_slip(screen.problem), "a1": "sigma(", "z2": "0.5"}
        await fill(pilot, screen, values)
        await pilot.press("enter")
        await pilot.pause()
        assert not screen.answered
        assert [screen.field(name).value for name in values] == list(values.values())
        message = screen.step_message("a1")
        assert message.display and "Cannot read" in plain(message)
        assert on_screen(screen, message)
        assert not screen.step_message("z1").display
        assert screen.focused is screen.field("a1")  # where the fix goes
        # fixed, it is graded
        screen.field("a1").value = values["a1"] = "0.5"
        await pilot.press("end")
        screen.field("answer").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert screen.answered and not screen.step_message("a1").display
    assert [a[1] for a in attempts(collection)] == ["wrong"]


async def test_steps_without_the_final_answer_grade_nothing(collection: Collection) -> None:
    app = make_app(collection, seed=STEP_SEED, schedule_new_topics=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_chain_rule(app, pilot)
        assert screen.problem is not None
        values = carried_from_a1_slip(screen.problem)
        del values["answer"]
        await fill(pilot, screen, values)
        await pilot.press("enter")
        await pilot.pause()
        assert not screen.answered
        message = screen.query_one("#reader-message", Static)
        assert message.display and "final answer" in plain(message)
        assert screen.focused is screen.field("answer")
        assert screen.field("z1").value == values["z1"]
    assert attempts(collection) == [] and grades(collection) == []


async def test_after_a_stepwise_verdict_the_keys_work_as_today(collection: Collection) -> None:
    app = make_app(collection, seed=STEP_SEED, schedule_new_topics=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_chain_rule(app, pilot)
        problem = screen.problem
        assert problem is not None
        await pilot.press("f2")  # the hint: the first worked step
        assert " ".join(problem.hint.split()) in " ".join(
            plain(screen.query_one("#hint", Static)).split()
        )
        right = {p.name: right_answer(p.value) for p in problem.checkpoints}
        await fill(pilot, screen, right)
        await pilot.press("enter")
        await pilot.pause()
        assert [s.status for s in screen.session.verdict.steps] == ["right"] * 5
        assert "Right" in plain(screen.query_one("#verdict", Static))
        assert "Grade 3 Hard" in plain(screen.query_one("#grade-line", Static))  # the hint
        await pilot.press("5")
        await pilot.pause()
        assert "Grade 5 Easy" in plain(screen.query_one("#grade-line", Static))
        await pilot.press("n")
        await pilot.pause()
        assert screen.problem is not None and not screen.answered
        assert screen.field("z1").value == "" and screen.query_one("#steps").display
        assert not screen.query_one("#steps-table").display
        await pilot.press("ctrl+g")  # giving up shows the solution, no table
        await pilot.pause()
        assert screen.answered and screen.query_one("#solution", Static).display
        assert not screen.query_one("#steps-table").display
    assert grades(collection) == [5, 0]


async def test_a_one_checkpoint_problem_has_no_step_fields(collection: Collection) -> None:
    app = make_app(collection, seed=STEP_SEED, schedule_new_topics=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_drill(["activation"])
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DrillScreen) and screen.problem is not None
        assert len(screen.problem.checkpoints) == 1
        assert not screen.query_one("#steps").display
        assert not screen.query(".step-label")
        assert screen.query_one("#answer", Input).has_focus
        await pilot.press("tab")  # as on any screen: on to the problem's scroll
        assert screen.focused is screen.query_one("#drill-body")


async def test_a_right_answer_past_a_wrong_step_is_a_four(collection: Collection) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_chain_rule(app, pilot)
        assert screen.problem is not None
        await fill(pilot, screen, carried_from_a1_slip(screen.problem))
        await pilot.press("enter")
        await pilot.pause()
        statuses = [s.status for s in screen.session.verdict.steps]
        assert statuses == ["right", "wrong", "carried", "carried", "right"]
        assert "Right" in plain(screen.query_one("#verdict", Static))
        grade_line = " ".join(plain(screen.query_one("#grade-line", Static)).split())
        assert "Grade 4 Good (right answer past a wrong step)" in grade_line
    assert grades(collection) == [4]


async def test_the_help_lists_the_keys_between_fields(collection: Collection) -> None:
    from studyapp.ui.help import HelpScreen

    app = make_app(collection, seed=STEP_SEED, schedule_new_topics=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_chain_rule(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        shown = app.screen
        assert isinstance(shown, HelpScreen)
        rows = {entry.keys: entry.description for entry in shown.entries}
        assert rows["tab"] == "Next field" and rows["shift+tab"] == "Previous field"


async def test_many_steps_scroll_in_their_band_and_long_labels_are_cut(
    collection: Collection,
) -> None:
    """Eight steps with long labels at 60×20: each field, reached with Enter, is on the
    screen and usable; the labels end in an ellipsis; the problem keeps some room."""
    import dataclasses

    app = make_app(collection, seed=STEP_SEED, schedule_new_topics=False)
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await open_chain_rule(app, pilot)
        problem = screen.problem
        assert problem is not None
        long = "a label that goes on and on: Σ_j W[i,j]·x[j] + b[i] for row"
        extra = [
            dataclasses.replace(problem.checkpoints[0], name=f"s{i}", label=f"s{i} = {long} {i}")
            for i in range(4)
        ]
        screen.session.problem = dataclasses.replace(
            problem, checkpoints=(*extra, *problem.checkpoints)
        )
        screen.show_problem()
        await pilot.pause()
        await pilot.press("tab")
        for name in [*(f"s{i}" for i in range(4)), "z1", "a1", "z2", "y_hat"]:
            field = screen.field(name)
            assert screen.focused is field
            assert on_screen(screen, field) and field.region.width >= 12, name
            await pilot.press("1", "enter")
        assert screen.focused is screen.field("answer")
        assert screen.query_one("#drill-body").region.height >= 5
        assert "…" in app.export_screenshot()


async def test_undo_takes_a_stepwise_answer_back_and_keeps_the_text(
    collection: Collection,
) -> None:
    app = make_app(collection, seed=SEED, schedule_new_topics=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_chain_rule(app, pilot)
        assert screen.problem is not None
        typed = carried_from_a1_slip(screen.problem)
        await fill(pilot, screen, typed)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.answered and grades(collection) == [4]
        await pilot.press("u")
        await pilot.pause()
        assert not screen.answered and screen.session.record is None
        assert grades(collection) == [] and attempts(collection) == []
        assert {name: screen.field(name).value for name in typed} == typed
        await pilot.press("enter")  # checked again, as typed
        await pilot.pause()
        assert screen.answered and grades(collection) == [4]
