"""Per-topic levels: the rule (up after clean passes in a row at the level, down after a
lapse), stored with each grade, kept consistent by overrides and undo, carried by backups."""

from __future__ import annotations

from sqlalchemy import select

from studyapp.drills.base import show
from studyapp.review.drilling import DrillSession
from studyapp.review.levels import CLEAN_RUN, MAX_LEVEL, Past, level_after
from studyapp.store import grades
from studyapp.store.models import DrillAttempt, DrillTopic


def right(problem) -> str:
    return show(problem.answer, digits=10).strip("[]")


def wrong(problem) -> str:
    return (
        ", ".join(["0.987654"] * len(problem.answer))
        if isinstance(problem.answer, list)
        else "0.987654"
    )


def level_of(db, topic_id: str) -> int:
    with db.session() as session:
        topic = session.get(DrillTopic, topic_id)
        return topic.level if topic else 1


def set_level(db, topic_id: str, level: int) -> None:
    grades.set_topic_level(db, topic_id, level, title=topic_id)


# -- the rule, pure


def test_clean_run_is_two() -> None:
    assert CLEAN_RUN == 2 and MAX_LEVEL == 3


def test_up_after_two_clean_passes_in_a_row() -> None:
    assert level_after(1, 1, 5, False, []) == 1
    assert level_after(1, 1, 5, True, [Past(1, 5, 0)]) == 2
    assert level_after(2, 2, 5, False, [Past(2, 5, 0), Past(1, 5, 1)]) == 3


def test_a_hint_a_wrong_answer_or_another_level_breaks_the_run() -> None:
    assert level_after(1, 1, 5, False, [Past(1, 3, 0)]) == 1
    assert level_after(1, 1, 5, False, [Past(1, 1, 0)]) == 1
    assert level_after(2, 2, 5, False, [Past(1, 5, 0)]) == 2
    assert level_after(2, 2, 5, False, [Past(2, 5, 1)]) == 2  # that pass moved the level
    assert level_after(1, 1, 3, False, [Past(1, 5, 0)]) == 1


def test_down_after_a_first_grade_lapse_only() -> None:
    assert level_after(3, 3, 1, False, [Past(3, 5, 0)]) == 2
    assert level_after(2, 2, 0, False, []) == 1
    assert level_after(2, 2, 1, True, []) == 2  # a same-day repeat is practice
    assert level_after(2, 2, 3, False, []) == 2  # right after the hint: no change


def test_caps() -> None:
    assert level_after(3, 3, 5, False, [Past(3, 5, 0)]) == 3
    assert level_after(1, 1, 0, False, []) == 1


def test_a_problem_at_another_level_does_not_move_it() -> None:
    assert level_after(1, 3, 5, False, [Past(3, 5, 0)]) == 1
    assert level_after(2, 3, 0, False, []) == 2


# -- stored with each grade


def test_a_session_gives_each_topic_at_its_level_and_moves_it(db, settings, clock) -> None:
    set_level(db, "softmax", 2)
    session = DrillSession(db, settings, topic_ids=["softmax"], seed=3)
    assert session.level_of("softmax") == 2 and session.problem.difficulty == 2
    session.submit(right(session.problem))
    assert session.level_change is None and level_of(db, "softmax") == 2
    session.next()
    assert session.problem.difficulty == 2
    session.submit(right(session.problem))
    assert session.level_change == (2, 3) and level_of(db, "softmax") == 3
    session.next()
    assert session.problem.difficulty == 3 and session.level_change is None
    clock.advance(days=1)
    later = DrillSession(db, settings, topic_ids=["softmax"], seed=4)
    assert later.problem.difficulty == 3
    later.submit(wrong(later.problem))
    assert later.level_change == (3, 2) and level_of(db, "softmax") == 2
    with db.session() as s:
        moves = [(a.difficulty, a.level_move) for a in s.scalars(select(DrillAttempt))]
    assert moves == [(2, 0), (2, 1), (3, -1)]


def test_an_explicit_difficulty_is_kept_and_moves_nothing(db, settings) -> None:
    session = DrillSession(db, settings, topic_ids=["softmax"], difficulty=3, seed=3)
    assert session.problem.difficulty == 3
    for _ in range(3):
        session.submit(right(session.problem))
        session.next()
    assert level_of(db, "softmax") == 1 and session.problem.difficulty == 3


def test_override_recomputes_the_level(db, settings) -> None:
    set_level(db, "softmax", 2)
    session = DrillSession(db, settings, topic_ids=["softmax"], seed=5)
    session.submit(wrong(session.problem))
    assert session.level_change == (2, 1) and level_of(db, "softmax") == 1
    session.override(4)  # "I knew it, a slip": no lapse, so no drop
    assert session.level_change is None and level_of(db, "softmax") == 2
    session.override(0)
    assert session.level_change == (2, 1) and level_of(db, "softmax") == 1
    session.override(5)  # one clean pass is not yet a run
    assert level_of(db, "softmax") == 2
    with db.session() as s:
        assert [a.level_move for a in s.scalars(select(DrillAttempt))] == [0]


def test_undo_puts_the_level_back_and_removes_the_attempt(db, settings) -> None:
    session = DrillSession(db, settings, topic_ids=["softmax"], seed=6)
    session.submit(right(session.problem))
    session.next()
    session.submit(right(session.problem))
    assert level_of(db, "softmax") == 2
    grades.undo_grade(db, "topic", "softmax", session.record.review_id)
    assert level_of(db, "softmax") == 1
    with db.session() as s:
        assert len(s.scalars(select(DrillAttempt)).all()) == 1
    with db.session() as s:
        first = s.scalars(select(DrillAttempt)).one().review_id
    grades.undo_grade(db, "topic", "softmax", first)
    assert level_of(db, "softmax") == 1


def test_topic_levels_reader_and_manual_set(db) -> None:
    from studyapp.progress.stats import topic_levels

    assert grades.set_topic_level(db, "softmax", 3, title="Softmax") == 1
    assert grades.set_topic_level(db, "softmax", 2, title="Softmax") == 3
    with db.session() as s:
        assert topic_levels(s) == {"softmax": 2}


# -- carried by the JSON backup


def test_the_backup_carries_levels_and_moves(db, settings, template_db, tmp_path) -> None:
    import shutil

    from studyapp.store import open_database
    from studyapp.transfer.backup import export_json
    from studyapp.transfer.restore import check_document, restore_json

    set_level(db, "softmax", 2)
    session = DrillSession(db, settings, topic_ids=["softmax"], seed=8)
    session.submit(right(session.problem))
    session.next()
    session.submit(right(session.problem))
    document = export_json(db)
    softmax = next(t for t in document["topics"] if t["id"] == "softmax")
    assert softmax["level"] == 3
    assert [a["level_move"] for a in document["drill_attempts"]] == [0, 1]
    shutil.copy(template_db, tmp_path / "fresh.db")
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    restore_json(fresh, check_document(document))
    assert level_of(fresh, "softmax") == 3
    with fresh.session() as s:
        assert [a.level_move for a in s.scalars(select(DrillAttempt))] == [0, 1]
    fresh.close()


def test_an_older_backup_restores_at_level_one(db, settings, template_db, tmp_path) -> None:
    import shutil

    from studyapp.store import open_database
    from studyapp.transfer.backup import export_json
    from studyapp.transfer.restore import check_document, restore_json

    session = DrillSession(db, settings, topic_ids=["softmax"], seed=8)
    session.submit(right(session.problem))
    document = export_json(db)
    for topic in document["topics"]:
        del topic["level"]
    for attempt in document["drill_attempts"]:
        del attempt["level_move"]
    shutil.copy(template_db, tmp_path / "fresh.db")
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    restore_json(fresh, check_document(document))
    assert level_of(fresh, "softmax") == 1
    with fresh.session() as s:
        assert [a.level_move for a in s.scalars(select(DrillAttempt))] == [0]
    fresh.close()


def test_the_notes_the_drill_screen_shows() -> None:
    from studyapp.review.levels import level_note

    assert level_note(1, 2) == "Up to level 2 — bigger numbers next time"
    assert level_note(3, 2) == "Back to level 2"


def test_a_grade_reads_the_latest_attempts_off_the_index(db_path) -> None:
    """The attempts a drill grade reads come off the end of the topic's index, without
    sorting every attempt of the topic (the cost stays flat as the history grows)."""
    import sqlite3

    from studyapp.store.compiled_sqlite import SQL

    sql = SQL["recent_attempts"]
    sql = sql[0] if isinstance(sql, tuple) else sql
    connection = sqlite3.connect(db_path)
    plan = [
        row[3]
        for row in connection.execute(
            f"EXPLAIN QUERY PLAN {sql}", {"item_id": "softmax", "before_id": 0}
        )
    ]
    connection.close()
    assert any("ix_drill_attempts_topic_day" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan
