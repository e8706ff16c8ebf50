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
