"""Shared fixtures: a fresh migrated database per test (copied from one template), a fixed
clock, and settings that use it."""

from __future__ import annotations

import os

# Small matrices only in these tests: BLAS threads just fight over the two cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from studyapp.config import FixedClock, Settings
from studyapp.store import Database, open_database

LOCAL = timezone(timedelta(hours=1))
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=LOCAL)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    open_database(f"sqlite:///{path}").close()
    return path


@pytest.fixture
def db_path(template_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "study.db"
    shutil.copy(template_db, path)
    return path


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{db_path}")
    yield database
    database.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOON)


@pytest.fixture
def settings(clock: FixedClock) -> Settings:
    return Settings(clock=clock)


@pytest.fixture
def few_sql_variables() -> Iterator[None]:
    """Every SQLAlchemy connection opened during the test binds at most 999 variables per
    statement (SQLite's default before 3.32; python.org's builds allow 32,766), so a
    statement that grows with the number of rows fails here as it would on a larger
    import with a stock SQLite."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def limit(dbapi_connection: object, _record: object) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)

    event.listen(Engine, "connect", limit)
    yield
    event.remove(Engine, "connect", limit)
