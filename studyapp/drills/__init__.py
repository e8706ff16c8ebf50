"""Generated computation drills.

Each module in this package (not starting with `_`, other than `base` and `registry`) is a
family of topics that registers itself with `@topic`. `load_families` imports them all, so
adding a family is adding a file.
"""

from __future__ import annotations

from studyapp.drills.base import EXACT, Draft, Problem, Slip, Tolerance
from studyapp.drills.registry import (
    Topic,
    UnknownTopicError,
    get_topic,
    load_families,
    make_problem,
    registry,
    topic,
)

__all__ = [
    "EXACT",
    "Draft",
    "Problem",
    "Slip",
    "Tolerance",
    "Topic",
    "UnknownTopicError",
    "get_topic",
    "load_families",
    "make_problem",
    "registry",
    "topic",
]
