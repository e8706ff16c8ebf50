"""Fixtures for the UI tests (see builders.py for what the collection holds)."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from studyapp.collection import Collection
from studyapp.config import FixedClock

from .builders import TODAY_NOON, build_history, open_collection


@pytest.fixture
def ui_clock() -> FixedClock:
    return FixedClock(TODAY_NOON)


@pytest.fixture
def collection(tmp_path: Path, ui_clock: FixedClock) -> Iterator[Collection]:
    """A fresh collection: every card new, nothing studied yet."""
    opened = open_collection(tmp_path / "ui.db", ui_clock)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def history_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ui-history") / "history.db"
    clock = FixedClock(TODAY_NOON)
    opened = open_collection(path, clock)
    build_history(opened, clock)
    opened.close()
    return path


@pytest.fixture
def studied(tmp_path: Path, history_template: Path, ui_clock: FixedClock) -> Iterator[Collection]:
    """A collection with three weeks of history; some cards and topics are due today."""
    path = tmp_path / "studied.db"
    shutil.copy(history_template, path)
    opened = open_collection(path, ui_clock)
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def _unfrozen_heap() -> Iterator[None]:
    """The app freezes the heap once warmed up (ui/home.py): each test's app would otherwise
    keep the earlier tests' objects out of the collector's reach."""
    yield
    gc.unfreeze()
