"""store/statements.py and its compiled form: one definition per statement, no drift."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from studyapp.store.compiled_sqlite import SQL
from studyapp.store.generate import drift, render
from studyapp.store.statements import compile_all


def test_the_compiled_sqlite_statements_are_up_to_date() -> None:
    """Like the migrations' compare test: regenerate in memory, fail on any difference."""
    assert drift() == [], "run: python -m studyapp.store.generate"
    namespace: dict[str, object] = {}
    exec(render(), namespace)  # what the generator would write says the same
    assert namespace["SQL"] == SQL


@pytest.mark.parametrize(
    ("dialect", "spellings", "absent"),
    [
        (sqlite.dialect(paramstyle="named"), ["suspended = 0", "due IS :was_due"], ["FOR UPDATE"]),
        (
            postgresql.dialect(),
            ["suspended = false", "IS NOT DISTINCT FROM", "FOR UPDATE"],
            ["suspended = 0"],
        ),
    ],
)
def test_each_database_gets_its_own_spellings(dialect, spellings, absent) -> None:
    """What store/plain.py's placeholders ({false}, {is}, {for_update}) used to spell."""
    compiled = compile_all(dialect)
    text = " ".join((compiled["due_by_deck"], compiled["claim_card_state"], compiled["card_state"]))
    for spelling in spellings:
        assert spelling in text, spelling
    for spelling in absent:
        assert spelling not in text, spelling


def test_a_statement_with_an_unnamed_parameter_is_refused(monkeypatch) -> None:
    from sqlalchemy import select

    from studyapp.store import statements
    from studyapp.store.schema import cards

    real = statements.build
    monkeypatch.setattr(
        statements,
        "build",
        lambda dialect: {
            **real(dialect),
            "bad": (select(cards.c.id).where(cards.c.due == 3), None),
        },
    )
    with pytest.raises(ValueError, match="bad has anonymous parameters"):
        compile_all(sqlite.dialect(paramstyle="named"))


def test_the_compiled_postgresql_statements_are_up_to_date() -> None:
    """PostgreSQL's copy (psycopg's %(name)s placeholders), written by the same generator."""
    from sqlalchemy.dialects.postgresql import psycopg

    from studyapp.store.compiled_postgresql import SQL as POSTGRESQL_SQL

    assert compile_all(psycopg.dialect()) == POSTGRESQL_SQL
    namespace: dict[str, object] = {}
    exec(render("postgresql"), namespace)
    assert namespace["SQL"] == POSTGRESQL_SQL


def test_a_postgresql_database_runs_the_statements_compiled_ahead_of_time() -> None:
    """Compiling all 66 statements took 70 ms of every start on PostgreSQL (importing
    store/statements.py and compiling it); the generated copy costs nothing."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from sqlalchemy.dialects.postgresql import psycopg\n"
        "from studyapp.store.runner import compiled_for\n"
        "found = compiled_for(psycopg.dialect())\n"
        "assert 'studyapp.store.statements' not in sys.modules\n"
        "print(found['due_by_deck'])\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "%(today)s" in out.stdout and "None" in out.stdout


def test_the_rows_name_the_fsrs_columns_as_the_schema_does() -> None:
    from studyapp.store.rows import FSRS_FIELDS
    from studyapp.store.schema import FSRS_COLUMNS

    assert FSRS_FIELDS == FSRS_COLUMNS
