"""The review log's first grades of a day, read a page at a time by key (issue 17).

FSRS's replay (review/fsrs_state.py) and the calibration (progress/calibration.py) read the
whole log; through the compiled statement `first_grades_after` a page of rows is plain
tuples from sqlite3, with no SQLAlchemy row handling, and the key range needs no sort.
Each row: (id, kind, item id, day as an ordinal, quality, SM-2's interval before the
grade, whether the item was new before it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from studyapp.store.runner import Runner

if TYPE_CHECKING:
    from studyapp.store.db import Database

PAGE = 50_000


def first_grade_pages(db: Database, after_id: int = 0) -> Iterator[list[tuple[Any, ...]]]:
    """Pages of the log's first grades with an id above `after_id`, oldest first; each page
    is read in a snapshot of its own (grades logged meanwhile come in later pages)."""
    while True:
        with db.reading() as reader:
            page = reader.all("first_grades_after", {"after_id": after_id, "room": PAGE})
        if not page:
            return
        yield page
        after_id = int(page[-1][0])


def first_grades_after(reader: Runner, after_id: int) -> list[tuple[Any, ...]]:
    """Every first grade with an id above `after_id`, in the reader's own transaction (a
    writer's catch-up: few rows)."""
    rows: list[tuple[Any, ...]] = []
    while True:
        page = reader.all("first_grades_after", {"after_id": after_id, "room": PAGE})
        rows += page
        if len(page) < PAGE:
            return rows
        after_id = int(page[-1][0])
