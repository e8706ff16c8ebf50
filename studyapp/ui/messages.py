"""What a screen asks of the app: messages up, so that no screen imports another or the app.

A screen posts one of these; it bubbles to `StudyApp`, which builds the next screen and
hands it what it needs (the collection, the seed, display options) as attributes down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from textual.message import Message

if TYPE_CHECKING:
    from studyapp.collection import CustomStudy


@dataclass
class StartReview(Message):
    """Review today's cards: of these decks, or of every deck when None; or, with
    `custom`, a custom-study session (review ahead, cram, today's failures)."""

    deck_ids: Sequence[str] | None = None
    custom: CustomStudy | None = None


@dataclass
class StartDrill(Message):
    """Drill these topics (the topics due today when None), each at its own level unless
    `difficulty` names one."""

    topic_ids: Sequence[str] | None = None
    difficulty: int | None = None


@dataclass
class Open(Message):
    """Open one of the screens that take nothing but the collection."""

    screen: Literal["topics", "stats", "browse"]


@dataclass
class OpenCustomStudy(Message):
    """Open the custom-study menu: from home (`deck`: its highlighted deck, the cram's
    default) or from browse (`card_ids`: the search result to cram, `about` saying which)."""

    deck: str | None = None
    card_ids: tuple[str, ...] | None = None
    about: str = ""
