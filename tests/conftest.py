"""Shared fixtures: a fresh migrated database per test (copied from one template), a fixed
clock, and settings that use it."""

from __future__ import annotations

import os

# Small matrices only in these tests: BLAS threads just fight over the two cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import shutil
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
