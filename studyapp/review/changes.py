"""The session's undo stack for changes that are not grades: suspend, reset, edit, flag,
a leech's suspension. Every one of them can be taken back until the app closes.

A change is recorded after it is committed, together with the function that puts the
previous state back; `undo()` runs the newest one and says what it undid. Grades keep
their own exact undo (store.grades), which the review and drill screens' `u` uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    """One committed change: what it was, in the learner's words, and how to undo it."""

    description: str
    undo: Callable[[], None]
    card_id: str | None = None


class Changes:
    """Newest-last stack of committed changes, kept for the session."""

    def __init__(self) -> None:
        self._stack: list[Change] = []

    def record(
        self, description: str, undo: Callable[[], None], card_id: str | None = None
    ) -> None:
        self._stack.append(Change(description, undo, card_id))

    def undo(self) -> Change | None:
        """Take the newest change back; None when there is nothing left to undo."""
        if not self._stack:
            return None
        change = self._stack.pop()
        change.undo()
        return change

    def peek(self) -> Change | None:
        return self._stack[-1] if self._stack else None

    def __len__(self) -> int:
        return len(self._stack)
