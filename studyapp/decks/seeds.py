"""The seed texts as a learner should see them: a short title and the section headings.

Cards name their seed by file (`source = "004_….txt"`) because that is what the content
checks need, but a learner reading "Source 004_79820f2c78e41ff3.txt" learns nothing. The
titles and headings live as data in `content/seeds.toml` (the seeds themselves are not in
the repository), and the screens show `"Cheat sheet · Loss Functions"` instead.

The sections (and a card's further sources and `no_seed` reason) are resolved when a card is
shown, from the deck file it was synced from, so neither the database schema nor the export
format changes (the store keeps the first source); a card from an import keeps whatever
source its file gave it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from studyapp.decks.files import SEEDS_FILE
from studyapp.decks.format import DeckError, SourceRef, parse_deck

SEPARATOR = " · "
BETWEEN = "; "
"""Between the sources of a card that has several."""
NO_SEED = "not in the seeds: "


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


def sources_line(
    seeds: dict[str, Seed], sources: tuple[SourceRef, ...], no_seed: str | None
) -> str | None:
    """Every source of a card, in order ("Cheat sheet · Loss Functions; Math notes · Sigmoid"),
    then "not in the seeds: <reason>" when part or all of it comes from elsewhere."""
    parts = [source_line(seeds, ref.seed, ref.section) for ref in sources]
    if no_seed:
        parts.append(NO_SEED + no_seed)
    shown = [part for part in parts if part]
    return BETWEEN.join(shown) if shown else None


@dataclass(frozen=True)
class _Origin:
    """Where one bundled card says its facts come from."""

    sources: tuple[SourceRef, ...]
    no_seed: str | None


class SourceLines:
    """Source lines for cards, reading the seed titles once and each deck file at most once."""

    def __init__(self, seeds_folder: Path, decks_folder: Path) -> None:
        self._seeds_folder = seeds_folder
        self._decks_folder = decks_folder
        self._seeds: dict[str, Seed] | None = None
        self._origins: dict[str, dict[str, _Origin]] = {}

    def line(self, deck_file: str | None, card_id: str, source: str | None) -> str | None:
        """The line for one card; `deck_file` is the bundled deck's file name, None for an
        imported deck (whose cards show their source as it is)."""
        if self._seeds is None:
            self._seeds = load_seeds(self._seeds_folder)
        origin = self._origins_of(deck_file).get(card_id) if deck_file else None
        if origin is None:
            return source_line(self._seeds, source, None)
        return sources_line(self._seeds, origin.sources, origin.no_seed)

    def _origins_of(self, deck_file: str) -> dict[str, _Origin]:
        if deck_file not in self._origins:
            try:
                deck = parse_deck(self._decks_folder / deck_file)
            except DeckError:
                self._origins[deck_file] = {}
            else:
                self._origins[deck_file] = {c.id: _Origin(c.sources, c.no_seed) for c in deck.cards}
        return self._origins[deck_file]
