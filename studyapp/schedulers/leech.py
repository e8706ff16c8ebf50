"""When a lapse makes an item a leech: Anki's rule, kept pure like the schedulers.

An item that keeps lapsing costs more reviews than it teaches; Anki flags it when its
lapses reach the threshold (`leech_threshold`, 8 by default) and again at every further
half of the threshold (8, 12, 16, ...), so a leech brought back and failed again is
noticed again rather than once only.
"""

from __future__ import annotations

from typing import NamedTuple

LEECH_TAG = "leech"

TAGGED = 1
"""A log row's `leech` bit: the grade gave its card the `leech` tag."""
SUSPENDED = 2
"""A log row's `leech` bit: the grade suspended its card."""


class LeechRule(NamedTuple):
    """The learner's leech preferences, as a grade applies them."""

    threshold: int = 8
    suspend: bool = True


def leech_lapse(lapses: int, threshold: int) -> bool:
    """True when reaching `lapses` makes the item a leech (again): at the threshold and at
    each further multiple of half of it (Anki's rule; half of 1 counts as 1)."""
    if threshold < 1 or lapses < threshold:
        return False
    return (lapses - threshold) % max(1, threshold // 2) == 0


def is_leech(lapses: int, threshold: int) -> bool:
    """A drill topic is a leech while its lapses are at the threshold or above (topics are
    never tagged: this is read from the lapses)."""
    return threshold >= 1 and lapses >= threshold


def with_tag(tags: str, tag: str = LEECH_TAG) -> str:
    """Space-separated `tags` with `tag` added at the end (unchanged if present)."""
    words = tags.split()
    return tags if tag in words else " ".join([*words, tag])


def without_tag(tags: str, tag: str = LEECH_TAG) -> str:
    """Space-separated `tags` with `tag` removed."""
    return " ".join(word for word in tags.split() if word != tag)
