"""Which files of a content folder are decks: every `*.toml` except the seeds' own table and
the learning path.

Kept apart (and free of imports) so that both the parser and the start-up freshness check
can ask it without importing each other or `tomllib`.
"""

from __future__ import annotations

from pathlib import Path

SEEDS_FILE = "seeds.toml"
"""The seed titles and headings (`decks/seeds.py`): in the content folder, but not a deck."""
PATH_FILE = "path.toml"
"""The learning path (`decks/path.py`): in the content folder, but not a deck."""
NOT_DECKS = frozenset({SEEDS_FILE, PATH_FILE})


def deck_files(folder: Path) -> list[Path]:
    """The deck files of a content folder, in name order."""
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.glob("*.toml") if path.name not in NOT_DECKS)
