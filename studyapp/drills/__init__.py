"""Generated computation drills.

Each module in this package (not starting with `_`, other than `base`) is a family of
topics that registers itself with `@topic`. `load_families` imports them all, so adding a
family is adding a file.
"""

from __future__ import annotations

import importlib
import pkgutil

from studyapp.drills.base import (
    EXACT,
    Draft,
    Problem,
    Slip,
    Tolerance,
    Topic,
    UnknownTopicError,
    get_topic,
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

_loaded = False


def load_families() -> None:
    """Import every family module once so their topics register."""
    global _loaded
    if _loaded:
        return
    for info in pkgutil.iter_modules(__path__):
        if info.name != "base" and not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    _loaded = True
