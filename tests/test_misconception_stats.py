"""Misconceptions in the numbers: `stats --json`'s `misconceptions`, the stats text, and the
backup that carries them and each attempt's slips."""

from __future__ import annotations

import json

from click.testing import CliRunner

from studyapp.cli import main
from studyapp.drills.mistakes import describe
from studyapp.progress.stats import stats_data, stats_json
from studyapp.review.drilling import DrillSession
from tests.test_misconception_session import SIGN, chain_session, worked_with_slip


def slipped(db, settings) -> DrillSession:
    session = chain_session(db, settings)
    session.submit(worked_with_slip(session.problem, "a1", SIGN))
    return session


def test_stats_json_lists_each_mistake_with_its_description(db, settings) -> None:
    assert stats_json(stats_data(db, settings))["misconceptions"] == []
    slipped(db, settings)
    (found,) = stats_json(stats_data(db, settings))["misconceptions"]
    assert found == {
        "id": SIGN,
        "topic": "chain_rule",
        "description": describe(SIGN),
        "seen": 1,
        "last_seen": "2026-03-10",
        "status": "active",
    }
    assert describe(SIGN) != SIGN  # a registered description, not the bare id


def test_stats_text_lists_the_active_mistakes(tmp_path, monkeypatch, settings) -> None:
    from studyapp.store import open_database

    path = tmp_path / "cli.db"
    monkeypatch.setenv("STUDYAPP_DB", str(path))
    content = tmp_path / "content"
    content.mkdir()
    monkeypatch.setenv("STUDYAPP_CONTENT", str(content))
    assert CliRunner().invoke(main, ["stats"]).exit_code == 0
    db = open_database(f"sqlite:///{path}")
    slipped(db, settings)
    db.close()
    result = CliRunner().invoke(main, ["stats"])
    assert result.exit_code == 0, result.output
    assert "Mistakes to unlearn" in result.output
    assert describe(SIGN)[:40] in result.output
    data = json.loads(CliRunner().invoke(main, ["stats", "--json"]).output)
    assert [m["id"] for m in data["misconceptions"]] == [SIGN]


def rows_of(db) -> tuple[list, list]:
    from sqlalchemy import select

    from studyapp.store.models import DrillAttempt, MisconceptionRow

    with db.session() as s:
        columns = ("id", "topic_id", "seen", "first_seen", "last_seen", "avoided_run", "due")
        columns += ("status", "last_attempt")
        mistakes = [
            tuple(getattr(m, name) for name in columns)
            for m in s.scalars(select(MisconceptionRow).order_by(MisconceptionRow.id))
        ]
        attempts = [
            (a.id, a.slips, a.mistakes_before)
            for a in s.scalars(select(DrillAttempt).order_by(DrillAttempt.id))
        ]
    return mistakes, attempts


def fresh_copy(template_db, tmp_path):
    import shutil

    from studyapp.store import open_database

    shutil.copy(template_db, tmp_path / "fresh.db")
    return open_database(f"sqlite:///{tmp_path / 'fresh.db'}")


def test_the_backup_carries_the_mistakes_and_each_attempt_s_slips(
    db, settings, template_db, tmp_path
) -> None:
    from studyapp.transfer.backup import export_json
    from studyapp.transfer.restore import check_document, restore_json
    from tests.test_misconception_session import answer_until_tempting, right

    session = slipped(db, settings)
    session.next()
    answer_until_tempting(session)
    session.submit(right(session.problem))  # an avoidance: the attempt keeps the row before
    document = json.loads(json.dumps(export_json(db)))  # through JSON text, as a file is
    (mistake,) = document["misconceptions"]
    assert mistake["id"] == SIGN and mistake["due"] == "2026-03-11"
    assert mistake["first_seen"] == "2026-03-10" and mistake["avoided_run"] == 1
    assert document["drill_attempts"][0]["slips"]["a1"] == SIGN
    last = document["drill_attempts"][-1]["mistakes_before"]
    assert last[SIGN]["avoided_run"] == 0 and last[SIGN]["due"] == "2026-03-10"
    fresh = fresh_copy(template_db, tmp_path)
    restore_json(fresh, check_document(document))
    assert rows_of(fresh) == rows_of(db)
    # what undo needs came through: the avoidance can still be taken back
    from studyapp.store import grades

    review_id = document["drill_attempts"][-1]["review_id"]
    grades.undo_grade(fresh, "topic", "chain_rule", review_id)
    mistakes, _ = rows_of(fresh)
    assert mistakes[0][5:7] == (0, mistake_day("2026-03-10"))
    fresh.close()


def mistake_day(text: str):
    from datetime import date

    return date.fromisoformat(text)


def test_an_older_backup_restores_without_mistakes(db, settings, template_db, tmp_path) -> None:
    from studyapp.transfer.backup import export_json
    from studyapp.transfer.restore import check_document, restore_json

    slipped(db, settings)
    document = export_json(db)
    del document["misconceptions"]
    for attempt in document["drill_attempts"]:
        del attempt["slips"], attempt["mistakes_before"]
    fresh = fresh_copy(template_db, tmp_path)
    restore_json(fresh, check_document(document))
    mistakes, attempts = rows_of(fresh)
    assert mistakes == [] and [a[1:] for a in attempts] == [("{}", None)]
    fresh.close()


def test_a_backup_with_a_bad_mistake_is_refused_by_field(db, settings) -> None:
    import pytest

    from studyapp.transfer.backup import export_json
    from studyapp.transfer.restore import _Bad, check_document

    slipped(db, settings)
    document = json.loads(json.dumps(export_json(db)))
    document["misconceptions"][0]["status"] = "forgotten"
    with pytest.raises(_Bad, match=r"misconceptions\[0\]\.status"):
        check_document(document)
    document = json.loads(json.dumps(export_json(db)))
    document["drill_attempts"][0]["slips"] = {"a1": 3}
    with pytest.raises(_Bad, match=r"drill_attempts\[0\]\.slips"):
        check_document(document)
