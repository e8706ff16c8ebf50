"""The seed texts as a learner should see them: a short title and the section headings.

Cards name their seed by file (`source = "004_….txt"`) because that is what the content
checks need, but a learner reading "Source 004_79820f2c78e41ff3.txt" learns nothing. The
titles and headings live as data in `content/seeds.toml` (the seeds themselves are not in
the repository), and the screens show `"Cheat sheet · Loss Functions"` instead.

The section is resolved when a card is shown, from the deck file it was synced from, so
neither the database schema nor the export format changes; a card from an import keeps
whatever source its file gave it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from studyapp.decks.files import SEEDS_FILE
from studyapp.decks.format import DeckError, parse_deck

SEPARATOR = " · "


@dataclass(frozen=True)
class Seed:
    """One seed text: its file name, its short title and its section headings."""

    file: str
    title: str
    sections: tuple[str, ...]


_NUMBERING = re.compile(r"^\s*(?://\s*|\d+(?:\.\d+)*\.?\s+)")


def heading_key(text: str) -> str:
    """A heading compared the forgiving way: numbering ("3.3 ", "8. ", "// ") dropped,
    spaces collapsed, case folded — so a card's section matches however it is spelled."""
    return " ".join(_NUMBERING.sub("", text).split()).casefold()


def load_seeds(folder: Path) -> dict[str, Seed]:
    """The seeds listed in `folder/seeds.toml`, by file name; {} when there is no usable
    file (the screens then fall back to showing the source as written)."""
    try:
        data = tomllib.loads((folder / SEEDS_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    table = data.get("seeds")
    seeds: dict[str, Seed] = {}
    if not isinstance(table, dict):
        return seeds
    for name, entry in table.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("title"), str):
            continue
        sections = entry.get("sections", [])
        if not isinstance(sections, list):
            sections = []
        seeds[name] = Seed(name, entry["title"], tuple(s for s in sections if isinstance(s, str)))
    return seeds


def source_line(seeds: dict[str, Seed], source: str | None, section: str | None) -> str | None:
    """What the screens show for a card's source: "Cheat sheet · Loss Functions" for a
    known seed, the source itself for anything else (an import's own file or note)."""
    seed = seeds.get(source) if source is not None else None
    where = seed.title if seed is not None else source
    if section and where:
        return f"{where}{SEPARATOR}{section}"
    return where or section


class SourceLines:
    """Source lines for cards, reading the seed titles once and each deck file at most once."""

    def __init__(self, seeds_folder: Path, decks_folder: Path) -> None:
        self._seeds_folder = seeds_folder
        self._decks_folder = decks_folder
        self._seeds: dict[str, Seed] | None = None
        self._sections: dict[str, dict[str, str]] = {}

    def line(self, deck_file: str | None, card_id: str, source: str | None) -> str | None:
        """The line for one card; `deck_file` is the bundled deck's file name, None for an
        imported deck (whose cards show their source as it is)."""
        if self._seeds is None:
            self._seeds = load_seeds(self._seeds_folder)
        section = self._sections_of(deck_file).get(card_id) if deck_file else None
        return source_line(self._seeds, source, section)

    def _sections_of(self, deck_file: str) -> dict[str, str]:
        if deck_file not in self._sections:
            try:
                deck = parse_deck(self._decks_folder / deck_file)
            except DeckError:
                self._sections[deck_file] = {}
            else:
                self._sections[deck_file] = {c.id: c.section for c in deck.cards if c.section}
        return self._sections[deck_file]
