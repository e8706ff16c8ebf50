"""FSRS in the JSON backup (issue 16): a collection that keeps FSRS's state restores it as
it was, with the weights fitted to the learner, and no replay of the log; a backup that
lacks a state has it derived; a damaged state is refused with its place."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select, update

from studyapp.collection import Collection
from studyapp.config import Settings
from studyapp.review import fsrs_state
from studyapp.schedulers import fsrs
from studyapp.store import open_database
from studyapp.store.models import Card, Preference
from studyapp.store.schema import drill_topics
from tests.test_backup_stream import _first_record, _restore_fails, cli_env, run  # noqa: F401 - fixture
from tests.test_interop import build_history

FITTED = tuple(round(w * 1.01, 4) if i in (0, 1, 2, 3) else w for i, w in enumerate(
    fsrs.default_parameters()
))  # fmt: skip
"""Weights a fit could have given: FSRS's defaults with the first four moved."""

ODD_STABILITY = 123.4567
"""A stability no replay of the history gives: seen again only if the backup kept it."""


def _fsrs_rows(db) -> dict[str, tuple]:
    with db.session() as session:
        found = {
            c.id: (c.fsrs_stability, c.fsrs_difficulty, c.fsrs_due)
            for c in session.scalars(select(Card))
        }
        for row in session.execute(select(drill_topics)).mappings():
            found[f"topic:{row['id']}"] = (
                row["fsrs_stability"],
                row["fsrs_difficulty"],
                row["fsrs_due"],
            )
    return found


def _bookkeeping(db) -> dict[str, str]:
    keys = (fsrs.TRACKED_KEY, fsrs.PARAMETERS_KEY, fsrs.FITTED_KEY)
    with db.session() as session:
        rows = session.execute(
            select(Preference.key, Preference.value).where(Preference.key.in_(keys))
        ).all()
    return dict(rows)  # type: ignore[arg-type]


@pytest.fixture
def fsrs_backup(cli_env: Path, tmp_path: Path, clock) -> tuple[Path, dict, dict]:  # noqa: F811
    """A backup of a collection on FSRS with fitted weights and one state no replay gives;
    with the states and bookkeeping it held."""
    db = open_database(f"sqlite:///{cli_env}")
    settings = Settings(clock=clock)
    build_history(db, settings)
    collection = Collection(db, settings)
    collection.set_preference("scheduler", "fsrs")
    with db.write_session() as session, session.begin():
        for key, value in (
            (fsrs.PARAMETERS_KEY, fsrs.parameters_text(FITTED)),
            (fsrs.FITTED_KEY, "2026-03-04 17"),
        ):
            session.merge(Preference(key=key, value=value))
        first = session.scalars(select(Card.id).where(Card.fsrs_stability.is_not(None))).first()
        session.execute(update(Card).where(Card.id == first).values(fsrs_stability=ODD_STABILITY))
    states, bookkeeping = _fsrs_rows(db), _bookkeeping(db)
    db.close()
    assert ODD_STABILITY in {s for s, _, _ in states.values()}
    assert any(key.startswith("topic:") and s is not None for key, (s, _, _) in states.items())
    path = tmp_path / "fsrs.json"
    code, out = run("export", "--format", "json", "-o", str(path))
    assert code == 0, out
    return path, states, bookkeeping


def _restore_into(tmp_path: Path, path: Path) -> tuple[dict, dict]:
    other = tmp_path / "other.db"
    code, out = run("--db", str(other), "import", str(path))
    assert code == 0, out
    db = open_database(f"sqlite:///{other}")
    try:
        return _fsrs_rows(db), _bookkeeping(db)
    finally:
        db.close()


def test_a_backup_keeps_fsrs_state_and_fitted_weights_without_a_replay(
    fsrs_backup, tmp_path, monkeypatch
) -> None:
    path, states, bookkeeping = fsrs_backup

    def no_replay(*_args, **_kwargs):
        raise AssertionError("the restore replayed the log")

    monkeypatch.setattr(fsrs_state, "derive", no_replay)
    restored, kept = _restore_into(tmp_path, path)
    assert {key: restored[key] for key in states} == states
    assert kept == bookkeeping
    assert kept[fsrs.TRACKED_KEY] == "1" and kept[fsrs.FITTED_KEY] == "2026-03-04 17"


def test_the_backup_names_each_items_fsrs_state(fsrs_backup) -> None:
    path = fsrs_backup[0]
    document = json.loads(path.read_text())
    card = next(c for c in document["cards"] if c["fsrs"] is not None)
    assert set(card["fsrs"]) == {"stability", "difficulty", "due"}
    new = [c for c in document["cards"] if c["schedule"]["last_review"] is None]
    assert new and all(c["fsrs"] is None for c in new)
    assert document["preferences"][fsrs.PARAMETERS_KEY] == fsrs.parameters_text(FITTED)


def test_an_item_without_its_state_has_the_state_derived(fsrs_backup, tmp_path) -> None:
    path = fsrs_backup[0]
    document = json.loads(path.read_text())
    lacking = next(c for c in document["cards"] if c["fsrs"] is not None)
    lacking["fsrs"] = None
    path.write_text(json.dumps(document))
    restored, kept = _restore_into(tmp_path, path)
    assert kept[fsrs.TRACKED_KEY] == "1"
    assert restored[lacking["id"]][0] is not None  # derived again, with the fitted weights
    assert ODD_STABILITY not in {s for s, _, _ in restored.values()}  # all replayed


def test_an_sm2_backup_has_no_fsrs_state(cli_env: Path, tmp_path: Path, clock) -> None:  # noqa: F811
    db = open_database(f"sqlite:///{cli_env}")
    build_history(db, Settings(clock=clock))
    db.close()
    path = tmp_path / "sm2.json"
    assert run("export", "--format", "json", "-o", str(path))[0] == 0
    document = json.loads(path.read_text())
    assert all(c["fsrs"] is None for c in document["cards"])
    assert fsrs.TRACKED_KEY not in document["preferences"]
    restored, kept = _restore_into(tmp_path, path)
    assert kept == {} and all(s == (None, None, None) for s in restored.values())


@pytest.mark.parametrize(
    ("change", "where", "reason"),
    [
        (rb'"difficulty":[0-9.e-]+', b'"difficulty":11.5', "fsrs.difficulty: 11.5 is outside"),
        (
            rb'"stability":[0-9.e-]+',
            b'"stability":0',
            "fsrs.stability: 0 is below 0.001",
        ),
        (rb'"due":"[0-9-]+"\}', b'"due":"1999-02-30"}', "fsrs.due: '1999-02-30' is not an ISO"),
    ],
)
def test_a_damaged_fsrs_state_is_refused_at_its_place(
    cli_env: Path,  # noqa: F811
    fsrs_backup,
    change: bytes,
    where: bytes,
    reason: str,
) -> None:
    path = fsrs_backup[0]
    lines = path.read_bytes().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if b'"fsrs":{' in line)
    lines[index] = re.sub(change, where, lines[index], count=1)
    path.write_bytes(b"".join(lines))
    out = _restore_fails(cli_env, path)
    assert reason in out and f"line {index + 1} (byte " in out, out


def test_a_state_due_before_the_last_review_restores_as_it_was(
    cli_env: Path,  # noqa: F811
    fsrs_backup,
    tmp_path: Path,
) -> None:
    """A state derived from part of a log (a schedule imported with only some of its
    history) can fall due before SM-2's last review: it is the collection's, not damage."""
    path = fsrs_backup[0]
    lines = path.read_bytes().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if b'"fsrs":{' in line)
    lines[index] = re.sub(rb'"due":"[0-9-]+"\}', b'"due":"1999-01-01"}', lines[index])
    path.write_bytes(b"".join(lines))
    card = json.loads(lines[index].rstrip(b",\n"))
    restored, _ = _restore_into(tmp_path, path)
    assert str(restored[card["id"]][2]) == "1999-01-01"


def test_unusable_fitted_weights_are_refused(cli_env: Path, fsrs_backup) -> None:  # noqa: F811
    path = fsrs_backup[0]
    data = path.read_bytes()
    data = re.sub(rb'"fsrs_parameters":"[^"]*"', b'"fsrs_parameters":"1,2,3"', data)
    path.write_bytes(data)
    assert "preferences.fsrs_parameters: " in _restore_fails(cli_env, path)
