"""Read and validate the study decks in `content/*.toml`.

One deck per file: a `[deck]` table (id, name, optional description) and any number of
`[[cards]]` tables (id, front, back, optional mnemonic, why, tags, and where the facts come from:
`source` + `section`, or `sources` (several seeds, each with its section), and/or `no_seed` (a
fact found in no seed, with where it does come from)). Card ids are stable forever: editing a
card's text keeps its history because the store matches on id.

Everything that can go wrong in a file becomes a `DeckError` naming the file, the line
(when one can be pinned down) and the reason. `tomllib` reports positions only for syntax
errors, so the lines of cards and keys are found by a light scan of the raw text that
knows about TOML strings and comments (`_scan_sections`).

This module is UI-free and knows nothing of the database; the store's sync uses
`DeckSpec.digest` to skip files that have not changed since the last start.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from studyapp.decks.cloze import cloze_numbers
from studyapp.decks.files import NOT_DECKS

MAX_DECK_BYTES = 2 * 1024 * 1024
"""A deck file larger than this is refused unread: real decks are a few tens of KB."""

MAX_ID_LENGTH = 128
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
"""Ids are snake- or kebab-case words: letters, digits, `_`, `-`, `.`; no spaces."""

TAG_PATTERN = re.compile(r"[^\s,\"']+\Z")

DECK_KEYS = frozenset({"id", "name", "description"})
CARD_KEYS = frozenset(
    {
        "id",
        "front",
        "back",
        "mnemonic",
        "why",
        "tags",
        "source",
        "section",
        "sources",
        "no_seed",
        "reverse",
        "cloze",
    }
)
SOURCE_KEYS = frozenset({"seed", "section"})
"""The keys of one entry of a card's `sources` array."""
REVERSE_SUFFIX = "~rev"
CLOZE_SUFFIX = "~c"
"""Sibling card ids: note `x` gives `x` and `x~rev` when reversed, `x~c1`, `x~c2`, ... when a
cloze (`~` is never part of a written id, so a sibling's id cannot clash with one)."""
TOP_KEYS = frozenset({"deck", "cards"})


@dataclass(frozen=True)
class SourceRef:
    """One place a card's facts come from: a seed file and the heading of its section."""

    seed: str
    section: str | None = None


@dataclass(frozen=True)
class CardSpec:
    """One flashcard as written in a deck file; `line` is where its `[[cards]]` starts."""

    id: str
    front: str
    back: str
    mnemonic: str | None
    why: str | None
    tags: tuple[str, ...]
    source: str | None
    line: int
    section: str | None = None
    """The heading of the seed's section the card's facts come from (see content/seeds.toml)."""
    note_id: str | None = None
    """The note the card belongs to (shared by a reversed pair or a cloze's gaps); None
    for a card that is its own note."""
    template: str = "basic"
    """How the card asks: basic, reverse (front and back already swapped) or cloze (the
    raw `{{c1::…}}` text in front, the extra in back)."""
    ordinal: int | None = None
    """The cloze number a cloze card hides."""
    sources: tuple[SourceRef, ...] = ()
    """Every seed and section the facts come from, in the order written; `source` and
    `section` above are the first of them (what the store and the exports keep)."""
    no_seed: str | None = None
    """Why part or all of the card is in no seed, and where it comes from instead."""


@dataclass(frozen=True)
class DeckSpec:
    """One deck file, parsed and validated; `digest` is the sha256 of the file's bytes."""

    id: str
    name: str
    description: str
    path: Path
    digest: str
    cards: tuple[CardSpec, ...]


class DeckError(Exception):
    """A deck file that cannot be used, with where and why: `path:line: reason`."""

    MAX_REASON = 300  # a hostile file can put a megabyte into a bad id or key name

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        self.path = Path(path)
        self.line = line
        if len(reason) > self.MAX_REASON:
            reason = reason[: self.MAX_REASON - 1] + "…"
        self.reason = reason
        where = f"{self.path}:{line}" if line is not None else f"{self.path}"
        super().__init__(f"{where}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (DeckError, (self.path, self.line, self.reason))


def valid_id(value: str) -> bool:
    """True for a usable deck or card id (also used by the importers)."""
    return len(value) <= MAX_ID_LENGTH and ID_PATTERN.match(value) is not None


def read_text(path: Path, limit: int, not_utf8_advice: str | None = None) -> tuple[bytes, str]:
    """The file's bytes and its text, or a DeckError for a missing, huge or non-UTF-8 file
    (with `not_utf8_advice` on what to do about the last, when given).

    A leading byte-order mark is dropped (editors on Windows like to add one).
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise DeckError(path, None, f"cannot read file: {error.strerror or error}") from None
    if len(data) > limit:
        raise DeckError(path, None, f"file is larger than {limit // 1024} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = f"byte 0x{data[error.start]:02x}"
        if not_utf8_advice is None:
            raise DeckError(path, line, f"invalid UTF-8 ({byte})") from None
        raise DeckError(path, line, f"not UTF-8 text ({byte}); {not_utf8_advice}") from None
    return data, text.removeprefix("\ufeff")


# --- where things are in the raw text -------------------------------------------------------


@dataclass
class _Section:
    """A `[table]` or `[[array]]` header found in the text, with the lines of its keys."""

    name: str
    array: bool
    line: int
    keys: dict[str, int] = field(default_factory=dict)


_HEADER = re.compile(
    r"\s*(?:\[\[\s*(?P<array>[^\[\]]*?)\s*\]\]|\[\s*(?P<table>[^\[\]]*?)\s*\])\s*(?:#.*)?\Z"
)
_KEY = re.compile(r"""\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*(\.|=)""")


def _unquote(name: str) -> str:
    return name[1:-1] if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'" else name


def _string_state(line: str, state: str | None) -> str | None:
    """Follow TOML quoting across one line; returns the open multi-line quote, if any.

    `state` is `'\"\"\"'` or `"'''"` when the line starts inside a multi-line string.
    Good enough to keep `[[cards]]` written inside a string from counting as a header.
    """
    i, n = 0, len(line)
    while i < n:
        if state is not None:
            end = line.find(state, i)
            if state == '"""':
                while end > 0 and _escaped(line, end):
                    end = line.find(state, end + 1)
            if end < 0:
                return state
            quote, i, state = state[0], end + 3, None
            while i < n and line[i] == quote:  # up to two quotes may close the content
                i += 1
            continue
        ch = line[i]
        if ch == "#":
            return None
        if line.startswith('"""', i) or line.startswith("'''", i):
            state, i = line[i : i + 3], i + 3
            continue
        if ch in "\"'":
            i += 1
            while i < n and line[i] != ch:
                i += 2 if ch == '"' and line[i] == "\\" else 1
        i += 1
    return state


def _escaped(line: str, pos: int) -> bool:
    backslashes = 0
    while pos - 1 - backslashes >= 0 and line[pos - 1 - backslashes] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _lines(text: str) -> list[str]:
    """Lines as TOML and editors count them: split at '\n' only."""
    lines = text.split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def _scan_sections(text: str) -> tuple[dict[str, int], list[_Section]]:
    """The top-level keys with their lines, and every table header with its keys' lines."""
    top: dict[str, int] = {}
    sections: list[_Section] = []
    state: str | None = None
    for number, line in enumerate(_lines(text), start=1):
        if state is None:
            header = _HEADER.match(line)
            key = _KEY.match(line)
            if header:
                array = header.group("array") is not None
                dotted = header.group("array") if array else header.group("table")
                name = ".".join(_unquote(part.strip()) for part in dotted.split("."))
                sections.append(_Section(name, array, number))
            elif key:
                keys = sections[-1].keys if sections else top
                keys.setdefault(_unquote(key.group(1)), number)
        state = _string_state(line, state)
    return top, sections


@dataclass(frozen=True)
class _Where:
    """Line lookups for one parsed file."""

    top: dict[str, int]
    sections: list[_Section]
    deck: _Section | None
    cards: list[_Section] | None  # None when the headers do not match the parsed cards

    def top_line(self, key: str) -> int | None:
        if key in self.top:
            return self.top[key]
        return next((s.line for s in self.sections if s.name.split(".")[0] == key), None)

    def deck_line(self, key: str | None = None) -> int | None:
        if self.deck is None:
            return self.top_line("deck")
        if key is not None and key in self.deck.keys:
            return self.deck.keys[key]
        return self.deck.line

    def card_line(self, index: int, key: str | None = None) -> int | None:
        if self.cards is None:
            return self.top_line("cards")
        section = self.cards[index]
        if key is not None and key in section.keys:
            return section.keys[key]
        return section.line


def _locate(text: str, n_cards: int) -> _Where:
    top, sections = _scan_sections(text)
    decks = [s for s in sections if s.name == "deck" and not s.array]
    cards = [s for s in sections if s.name == "cards" and s.array]
    return _Where(
        top, sections, decks[0] if decks else None, cards if len(cards) == n_cards else None
    )


# --- validation ------------------------------------------------------------------------------


_TOML_POSITION = re.compile(r"\s*\((?:at line (\d+), column \d+|at end of document)\)\s*\Z")


def _syntax_error(path: Path, text: str, error: tomllib.TOMLDecodeError) -> DeckError:
    message = str(error)
    found = _TOML_POSITION.search(message)
    if found is None:
        return DeckError(path, None, f"TOML syntax error: {message}")
    line = int(found.group(1)) if found.group(1) else max(1, len(_lines(text)))
    reason = message[: found.start()].strip() or "TOML syntax error"
    return DeckError(path, line, f"TOML syntax error: {reason}")


def _type_name(value: object) -> str:
    names = {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "an array",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def control_character(text: str) -> str | None:
    """A description of the first control character (other than tab and line breaks)
    in `text`, or None: a NUL or an escape sequence has no business on a card."""
    found = _CONTROL.search(text.replace("\r\n", "\n"))
    return None if found is None else f"U+{ord(found.group()):04X}"


def _text(value: object, what: str, *, required: bool) -> str | None:
    """A stripped string field; raises ValueError with the reason when it is unusable."""
    if value is None:
        if required:
            raise ValueError(f"missing required field '{what}'")
        return None
    if not isinstance(value, str):
        raise ValueError(f"'{what}' must be a string, not {_type_name(value)}")
    stripped = value.strip()
    if not stripped:
        if required:
            raise ValueError(f"'{what}' is empty")
        return None
    bad = control_character(stripped)
    if bad is not None:
        raise ValueError(f"'{what}' contains a control character ({bad})")
    return stripped


def _identifier(value: object, what: str) -> str:
    text = _text(value, "id", required=True)
    assert text is not None
    if not valid_id(text):
        raise ValueError(
            f"{what} {text!r} is not a valid id: use letters, digits, '_', '-' or '.', "
            f"no spaces, at most {MAX_ID_LENGTH} characters"
        )
    return text


def _tags(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise ValueError("'tags' must be an array of strings")
    tags: list[str] = []
    for tag in value:
        tag = tag.strip()
        if not TAG_PATTERN.match(tag):
            raise ValueError(f"tag {tag!r} must be one word without spaces, commas or quotes")
        if tag not in tags:
            tags.append(tag)
    return tuple(tags)


def _source_ref(value: object) -> SourceRef:
    if not isinstance(value, dict):
        raise ValueError(f"each of 'sources' must be a table, not {_type_name(value)}")
    unknown = _unknown(value, SOURCE_KEYS)
    if unknown is not None:
        raise ValueError(f"unknown source field '{unknown}' (allowed: section, seed)")
    seed = _text(value.get("seed"), "seed", required=True)
    assert seed is not None
    return SourceRef(seed, _text(value.get("section"), "section", required=False))


def _sources(path: Path, where: _Where, index: int, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The card's `source`, `section`, `sources` and `no_seed`, one way or the other written:
    `source` + `section` for one seed, a `sources` array for several, `no_seed` alone or beside
    either. `source`/`section` always hold the first source, for the store and the exports."""
    if "sources" in raw:
        for key in ("source", "section"):
            if key in raw:
                reason = f"a card has either '{key}' or 'sources', not both"
                raise DeckError(path, where.card_line(index, key), reason)
    try:
        no_seed = _text(raw.get("no_seed"), "no_seed", required=False)
    except ValueError as error:
        at = where.card_line(index, "no_seed")
        raise DeckError(path, at, str(error)) from None
    if "sources" in raw:
        value = raw["sources"]
        at = where.card_line(index, "sources")
        if not isinstance(value, list) or not value:
            raise DeckError(path, at, "'sources' must be a non-empty array of {seed, section}")
        try:
            refs = tuple(_source_ref(entry) for entry in value)
        except ValueError as error:
            raise DeckError(path, at, str(error)) from None
    else:
        single: dict[str, str | None] = {}
        for key in ("source", "section"):
            try:
                single[key] = _text(raw.get(key), key, required=False)
            except ValueError as error:
                at = where.card_line(index, key if key in raw else None)
                raise DeckError(path, at, str(error)) from None
        seed, section = single["source"], single["section"]
        refs = (SourceRef(seed, section),) if seed is not None else ()
        return {"source": seed, "section": section, "sources": refs, "no_seed": no_seed}
    first = refs[0]
    return {"source": first.seed, "section": first.section, "sources": refs, "no_seed": no_seed}


def _unknown(keys: Iterable[str], allowed: frozenset[str]) -> str | None:
    extra = sorted(set(keys) - allowed)
    return extra[0] if extra else None


def _card(path: Path, where: _Where, index: int, raw: object) -> list[CardSpec]:
    line = where.card_line(index) or 1
    if not isinstance(raw, dict):
        raise DeckError(path, line, f"each card must be a table, not {_type_name(raw)}")
    unknown = _unknown(raw, CARD_KEYS)
    if unknown is not None:
        allowed = ", ".join(sorted(CARD_KEYS))
        raise DeckError(
            path,
            where.card_line(index, unknown),
            f"unknown card field '{unknown}' (allowed: {allowed})",
        )
    if "cloze" in raw:
        return _cloze_cards(path, where, index, raw, line)
    fields: dict[str, Any] = {}
    for key, convert in (
        ("id", lambda v: _identifier(v, "card id")),
        ("front", lambda v: _text(v, "front", required=True)),
        ("back", lambda v: _text(v, "back", required=True)),
        ("mnemonic", lambda v: _text(v, "mnemonic", required=False)),
        ("why", lambda v: _text(v, "why", required=False)),
        ("tags", _tags),
    ):
        try:
            fields[key] = convert(raw.get(key))
        except ValueError as error:
            at = where.card_line(index, key if key in raw else None)
            raise DeckError(path, at, str(error)) from None
    fields.update(_sources(path, where, index, raw))
    reverse = raw.get("reverse", False)
    if not isinstance(reverse, bool):
        at = where.card_line(index, "reverse")
        raise DeckError(path, at, f"'reverse' must be true or false, not {_type_name(reverse)}")
    if not reverse:
        return [CardSpec(line=line, **fields)]
    card = CardSpec(line=line, note_id=fields["id"], **fields)
    flipped = replace(
        card,
        id=fields["id"] + REVERSE_SUFFIX,
        front=card.back,
        back=card.front,
        template="reverse",
    )
    return [card, flipped]


def _cloze_cards(
    path: Path, where: _Where, index: int, raw: dict[str, Any], line: int
) -> list[CardSpec]:
    """A cloze note's cards, one per cloze number, each keeping the raw text (the renderer
    in decks/cloze.py hides its gap when shown)."""
    for key, reason in (
        ("front", "a card has either front or cloze, not both"),
        ("reverse", "a cloze card cannot be reversed (each gap is already a card)"),
    ):
        if key in raw:
            raise DeckError(path, where.card_line(index, key), reason)
    fields: dict[str, Any] = {}
    for key, convert in (
        ("id", lambda v: _identifier(v, "card id")),
        ("cloze", lambda v: _text(v, "cloze", required=True)),
        ("back", lambda v: _text(v, "back", required=False)),
        ("mnemonic", lambda v: _text(v, "mnemonic", required=False)),
        ("why", lambda v: _text(v, "why", required=False)),
        ("tags", _tags),
    ):
        try:
            fields[key] = convert(raw.get(key))
        except ValueError as error:
            at = where.card_line(index, key if key in raw else None)
            raise DeckError(path, at, str(error)) from None
    fields.update(_sources(path, where, index, raw))
    text = fields.pop("cloze")
    numbers = cloze_numbers(text)
    if not numbers:
        at = where.card_line(index, "cloze")
        raise DeckError(path, at, "the cloze has no {{c1::…}} gap to ask about")
    note = fields.pop("id")
    back = fields.pop("back") or ""
    return [
        CardSpec(
            id=f"{note}{CLOZE_SUFFIX}{number}",
            front=text,
            back=back,
            line=line,
            note_id=note,
            template="cloze",
            ordinal=number,
            **fields,
        )
        for number in numbers
    ]


def _deck_table(path: Path, where: _Where, document: Mapping[str, Any]) -> tuple[str, str, str]:
    unknown = _unknown(document, TOP_KEYS)
    if unknown is not None:
        raise DeckError(
            path,
            where.top_line(unknown),
            f"unknown top-level key '{unknown}' (expected [deck] and [[cards]])",
        )
    deck = document.get("deck")
    if deck is None:
        raise DeckError(path, None, "missing [deck] table")
    if not isinstance(deck, dict):
        raise DeckError(path, where.deck_line(), f"'deck' must be a table, not {_type_name(deck)}")
    unknown = _unknown(deck, DECK_KEYS)
    if unknown is not None:
        raise DeckError(
            path,
            where.deck_line(unknown),
            f"unknown deck field '{unknown}' (allowed: description, id, name)",
        )
    try:
        deck_id = _identifier(deck.get("id"), "deck id")
    except ValueError as error:
        raise DeckError(path, where.deck_line("id"), str(error)) from None
    texts: dict[str, str] = {}
    for key, required in (("name", True), ("description", False)):
        try:
            texts[key] = _text(deck.get(key), key, required=required) or ""
        except ValueError as error:
            at = where.deck_line(key if key in deck else None)
            raise DeckError(path, at, str(error)) from None
    return deck_id, texts["name"], texts["description"]


MAX_KEY_DEPTH = 64
"""Deck files use no dotted keys; tomllib takes quadratic time over a long chain of them
(a 200 KB `[a.a.a...]` header takes it 20 s), so a chain this long is refused unread."""

_SEGMENT = r"""(?:[A-Za-z0-9_-]++|"[^"\n]*+"|'[^'\n]*+')"""
_DOTTED = re.compile(rf"(?<![A-Za-z0-9_-]){_SEGMENT}(?:[ \t]*+\.[ \t]*+{_SEGMENT})++")


def _deep_key_line(text: str) -> int | None:
    """The line of the first chain of more than MAX_KEY_DEPTH dotted names, if any."""
    for found in _DOTTED.finditer(text):
        if found.group().count(".") >= MAX_KEY_DEPTH:
            return text.count("\n", 0, found.start()) + 1
    return None


def parse_text(path: Path, data: bytes, text: str) -> DeckSpec:
    """Validate an already-read deck file; `parse_deck` is the usual entry point."""
    deep = _deep_key_line(text)
    if deep is not None:
        raise DeckError(path, deep, f"keys are nested more than {MAX_KEY_DEPTH} levels deep")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(path, text, error) from None
    except RecursionError:
        raise DeckError(path, None, "TOML nesting is too deep") from None
    raw_cards = document.get("cards", [])
    n_cards = len(raw_cards) if isinstance(raw_cards, list) else 0
    where = _locate(text, n_cards)
    deck_id, name, description = _deck_table(path, where, document)
    if not isinstance(raw_cards, list):
        raise DeckError(
            path, where.top_line("cards"), "'cards' must be an array of tables written as [[cards]]"
        )
    cards: list[CardSpec] = []
    first_seen: dict[str, int] = {}
    for index, raw in enumerate(raw_cards):
        for card in _card(path, where, index, raw):
            if card.id in first_seen:
                raise DeckError(
                    path,
                    where.card_line(index, "id"),
                    f"duplicate card id '{card.id}' (first used at line {first_seen[card.id]})",
                )
            first_seen[card.id] = where.card_line(index, "id") or card.line
            cards.append(card)
    digest = hashlib.sha256(data).hexdigest()
    return DeckSpec(deck_id, name, description, Path(path), digest, tuple(cards))


def parse_deck(path: Path) -> DeckSpec:
    """Read one deck file; any problem with it raises a DeckError (file, line, reason)."""
    path = Path(path)
    data, text = read_text(path, MAX_DECK_BYTES)
    return parse_text(path, data, text)


def load_decks(folder: Path) -> tuple[list[DeckSpec], list[DeckError]]:
    """Every `*.toml` deck in `folder`, in file-name order, and the errors of those that failed.

    A bad file does not stop the others. A deck id or card id already used by an earlier
    file (in name order) rejects the later file, with an error naming both places. Callers
    syncing into a store should leave the cards of rejected files alone rather than retire
    them: a typo must not look like a deleted deck.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return [], [DeckError(folder, None, "no such folder")]
    try:
        paths = sorted(p for p in folder.glob("*.toml") if p.is_file() and p.name not in NOT_DECKS)
    except OSError as error:
        return [], [DeckError(folder, None, f"cannot list folder: {error.strerror or error}")]
    decks: list[DeckSpec] = []
    errors: list[DeckError] = []
    deck_owner: dict[str, DeckSpec] = {}
    card_owner: dict[str, tuple[Path, int]] = {}
    for path in paths:
        try:
            deck = parse_deck(path)
        except DeckError as error:
            errors.append(error)
            continue
        clash = _clash(deck, deck_owner, card_owner)
        if clash is not None:
            errors.append(clash)
            continue
        deck_owner[deck.id] = deck
        for card in deck.cards:
            card_owner[card.id] = (deck.path, card.line)
        decks.append(deck)
    return decks, errors


def _clash(
    deck: DeckSpec, deck_owner: dict[str, DeckSpec], card_owner: dict[str, tuple[Path, int]]
) -> DeckError | None:
    """An error when `deck` reuses a deck id or card id that an earlier file owns."""
    if deck.id in deck_owner:
        other = deck_owner[deck.id].path
        return DeckError(deck.path, None, f"deck id '{deck.id}' is already used by {other}")
    for card in deck.cards:
        if card.id in card_owner:
            other_path, other_line = card_owner[card.id]
            return DeckError(
                deck.path,
                card.line,
                f"card id '{card.id}' is already used at {other_path}:{other_line}",
            )
    return None
