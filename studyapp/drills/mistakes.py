"""The catalogue of known mistakes: every slip's stable id and a one-line description.

A slip's feedback names the mistake for one problem (with its numbers); the id and the
description name it for good, so that a learner's misconception can be tracked across
problems and topics, listed in stats and scheduled until it stops. Family modules register
their mistakes at import, next to the generators that compute them.
"""

from __future__ import annotations

import re

_ID = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")
_MISTAKES: dict[str, str] = {}


def mistake(mistake_id: str, description: str) -> str:
    """Register a mistake and return its id (for `Slip(value, feedback, id)`)."""
    if not _ID.fullmatch(mistake_id):
        raise ValueError(f"mistake id {mistake_id!r} is not of the form concept.slug")
    if _MISTAKES.get(mistake_id, description) != description:
        raise ValueError(f"mistake {mistake_id!r} registered twice with different texts")
    if not description.strip():
        raise ValueError(f"mistake {mistake_id!r} needs a description")
    _MISTAKES[mistake_id] = description
    return mistake_id


def mistakes() -> dict[str, str]:
    """Every registered mistake by id (the family modules are imported first)."""
    from studyapp.drills.registry import load_families

    load_families()
    return dict(sorted(_MISTAKES.items()))


def describe(mistake_id: str) -> str:
    """The mistake's description, or its id when it is not (or no longer) registered."""
    return mistakes().get(mistake_id, mistake_id)
