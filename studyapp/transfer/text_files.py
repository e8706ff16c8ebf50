"""Turn a CSV/TSV file or an Anki plain-text notes export into a `DeckSpec`.

Table layout: one card per row, columns front, back and optional tags (separated by
spaces or commas inside the cell). A first row that reads exactly front, back[, tags]
(any case) is a header and is skipped. Blank rows are skipped.

Anki's "Notes in Plain Text" export starts with `#key:value` lines (`#separator:tab`,
`#html:true`, `#tags column:3`, `#guid column:1`, ...); those are honoured: the guid,
notetype and deck columns are skipped, the first two remaining fields become front and
back (any further non-empty fields are appended to the back), and with `#html:true`
simple HTML is reduced to text (`<br>` becomes a line break).

Card ids are derived from the deck id and the front ("imp-" + 12 hex digits of a sha1),
so importing the same file again updates the cards instead of duplicating them.
Every problem is a `DeckError` with the file, the line of the row and the reason.
"""

from __future__ import annotations

import csv
import hashlib
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from studyapp.decks.format import (
    CardSpec,
    DeckError,
    DeckSpec,
    control_character,
    parse_deck,
    read_text,
    valid_id,
)

MAX_TABLE_BYTES = 16 * 1024 * 1024
"""Imports may be bigger than hand-written decks, but not unbounded."""

TAB_SUFFIXES = frozenset({".tsv", ".tab"})
SNIFFED_LINES = 20
"""How many non-blank lines at the start of a table choose its separator."""
NOT_UTF8_ADVICE = "save it as UTF-8 (in Excel: Save As, CSV UTF-8) and import again"
HEADER = ("front", "back", "tags")

ANKI_KEYS = frozenset(
    {
        "separator",
        "html",
        "tags column",
        "guid column",
        "notetype column",
        "deck column",
        "notetype",
        "deck",
        "columns",
    }
)
ANKI_SEPARATORS = {
    "tab": "\t",
    "comma": ",",
    "semicolon": ";",
    "space": " ",
    "pipe": "|",
    "colon": ":",
}


def card_id(deck_id: str, front: str) -> str:
    """The stable id of an imported card: the same deck and front give the same id."""
    digest = hashlib.sha1(f"{deck_id}\x00{front}".encode()).hexdigest()
    return f"imp-{digest[:12]}"


def deck_id_from_stem(stem: str) -> str:
    """A valid deck id made from a file name: lower case, runs of other characters as '-'."""
    slug = re.sub(r"[^a-z0-9_]+", "-", stem.lower()).strip("-_")[:64]
    return slug or "imported"


def parse_import(path: Path, deck_id: str | None = None) -> DeckSpec:
    """What `studyapp import PATH` reads: a `.toml` deck, or else a table or Anki export."""
    path = Path(path)
    if path.suffix.lower() == ".toml":
        return parse_deck(path)
    return parse_table(path, deck_id)


@dataclass
class _Layout:
    """How to read the rows: the delimiter, the Anki options and where the rows start."""

    delimiter: str
    anki: bool = False
    html: bool = False
    tags_column: int | None = None  # 0-based
    skip_columns: set[int] = field(default_factory=set)  # 0-based: guid, notetype, deck
    deck_name: str | None = None
    first_line: int = 1  # the file line of the first row handed to the CSV reader


def parse_table(path: Path, deck_id: str | None = None) -> DeckSpec:
    """Read a CSV, TSV or Anki notes export; raises DeckError with the line of the problem."""
    path = Path(path)
    data, text = read_text(path, MAX_TABLE_BYTES, NOT_UTF8_ADVICE)
    if "\n" not in text:  # carriage returns alone end the lines (old Mac spreadsheets)
        text = text.replace("\r", "\n")
    if deck_id is None:
        deck_id = deck_id_from_stem(path.stem)
    elif not valid_id(deck_id):
        raise DeckError(path, None, f"deck id {deck_id!r} is not a valid id")
    if not text.strip():
        raise DeckError(path, None, "empty file")
    lines = _split_lines(text)
    layout = _layout(path, lines)
    body = "".join(lines[layout.first_line - 1 :])
    cards: list[CardSpec] = []
    seen: dict[str, int] = {}
    for index, (line, row) in enumerate(_rows(path, body, layout)):
        if index == 0 and not layout.anki and _is_header(row):
            continue
        card = _card(path, line, row, layout, deck_id)
        if card.id in seen:
            raise DeckError(
                path,
                line,
                f"the same front already appears at line {seen[card.id]}"
                " (imported cards are identified by their front)",
            )
        seen[card.id] = line
        cards.append(card)
    if not cards:
        raise DeckError(path, None, "no cards found")
    name = layout.deck_name or path.stem
    digest = hashlib.sha256(data).hexdigest()
    return DeckSpec(deck_id, name, f"Imported from {path.name}", path, digest, tuple(cards))


def _layout(path: Path, lines: list[str]) -> _Layout:
    """Read the Anki `#key:value` header lines, if any, and choose the delimiter."""
    options: dict[str, str] = {}
    count = 0
    for line in lines:
        match = re.match(r"#([a-z ]+):(.*)\Z", line.rstrip("\r\n"))
        if match is None or match.group(1).strip() not in ANKI_KEYS:
            break
        options[match.group(1).strip()] = match.group(2).strip()
        count += 1
    if options:
        return _anki_layout(path, options, count)
    sample = [line for line in lines if line.strip()][:SNIFFED_LINES]
    return _Layout(delimiter=_sniff(path, sample))


def _sniff(path: Path, sample: list[str]) -> str:
    """The separator of a table: tab, comma or semicolon (what Excel writes where the
    decimal mark is a comma), whichever reads the most of the first lines as rows of two
    or three cells. A header row decides at once; a tie goes to the comma in a .csv file
    (to the tab in others) unless every comma sits inside a number, as in 0,01."""
    if path.suffix.lower() in TAB_SUFFIXES:
        return "\t"
    candidates = [",", ";", "\t"] if path.suffix.lower() == ".csv" else ["\t", ",", ";"]
    for delimiter in candidates:
        if sample and _is_header(_first_row(sample[0], delimiter)):
            return delimiter
    fitting = {delimiter: _rows_that_fit(sample, delimiter) for delimiter in candidates}
    best = max(fitting.values())
    chosen = next(d for d in candidates if fitting[d] == best)
    text = "".join(sample)
    if best and chosen == "," and fitting[";"] == best and not re.search(r"(?<!\d),|,(?!\d)", text):
        return ";"
    return chosen


def _first_row(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:  # reported with its line when the rows are read
        return []


def _rows_that_fit(sample: list[str], delimiter: str) -> int:
    """How many rows of the sample have two or three cells when split at `delimiter`."""
    try:
        return sum(2 <= len(row) <= 3 for row in csv.reader(sample, delimiter=delimiter))
    except csv.Error:
        return 0


def _anki_layout(path: Path, options: dict[str, str], count: int) -> _Layout:
    separator = options.get("separator", "tab")
    delimiter = ANKI_SEPARATORS.get(separator.lower(), separator)
    if len(delimiter) != 1:
        raise DeckError(path, 1, f"unknown Anki separator {separator!r}")
    layout = _Layout(
        delimiter=delimiter,
        anki=True,
        first_line=count + 1,
        html=options.get("html", "false").lower() == "true",
        deck_name=options.get("deck") or None,
    )
    for key, value in options.items():
        if not key.endswith(" column"):
            continue
        line = list(options).index(key) + 1
        if not value.isdigit() or int(value) < 1:
            raise DeckError(path, line, f"'#{key}' must be a column number from 1, not {value!r}")
        column = int(value) - 1
        if key == "tags column":
            layout.tags_column = column
        else:
            layout.skip_columns.add(column)
    return layout


def _rows(path: Path, body: str, layout: _Layout) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank row with the file line where it starts (quoted cells may span lines)."""
    reader = csv.reader(_split_lines(body), delimiter=layout.delimiter, strict=True)
    offset = layout.first_line - 1
    previous = 0
    while True:
        start = previous + 1 + offset
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise DeckError(path, start, f"cannot read the row: {error}") from None
        previous = reader.line_num
        if any(cell.strip() for cell in row):
            yield start, row


def _split_lines(text: str) -> list[str]:
    """Lines ending at '\n' only, ends kept, so numbers match what an editor shows."""
    return [line for line in re.split(r"(?<=\n)", text) if line]


def _is_header(row: list[str]) -> bool:
    cells = tuple(cell.strip().lower() for cell in row)
    return cells in (HEADER[:2], HEADER)


def _card(path: Path, line: int, row: list[str], layout: _Layout, deck_id: str) -> CardSpec:
    tags: tuple[str, ...] = ()
    if layout.anki:
        fields = [
            cell
            for i, cell in enumerate(row)
            if i not in layout.skip_columns and i != layout.tags_column
        ]
        if layout.tags_column is not None and layout.tags_column < len(row):
            tags = _split_tags(row[layout.tags_column])
        if layout.html:
            fields = [html_to_text(cell) for cell in fields]
        extra = [cell.strip() for cell in fields[2:] if cell.strip()]
        fields = fields[:2]
        if len(fields) == 2 and extra:
            fields[1] = "\n".join([fields[1].strip(), *extra])
    else:
        if len(row) > len(HEADER):
            raise DeckError(
                path,
                line,
                f"too many columns ({len(row)}); expected front, back and optionally tags",
            )
        fields = row[:2]
        if len(row) == 3:
            tags = _split_tags(row[2])
    if len(fields) < 2:
        raise DeckError(path, line, "missing back column")
    front, back = fields[0].strip(), fields[1].strip()
    if not front:
        raise DeckError(path, line, "empty front")
    if not back:
        raise DeckError(path, line, "empty back")
    bad = control_character(front + back)
    if bad is not None:
        raise DeckError(path, line, f"a control character ({bad}) in the front or back")
    return CardSpec(
        id=card_id(deck_id, front),
        front=front,
        back=back,
        mnemonic=None,
        why=None,
        tags=tags,
        source=path.name,
        line=line,
    )


def _split_tags(cell: str) -> tuple[str, ...]:
    tags: list[str] = []
    for tag in re.split(r"[\s,]+", cell):
        tag = tag.strip("\"'")
        if tag and tag not in tags:
            tags.append(tag)
    return tuple(tags)


# Spaces inside a tag match one way only: `\s*/?\s*` was quadratic on `<br` and no `>`.
_BREAK = re.compile(r"<\s*br\s*(?:/\s*)?>|<\s*/\s*(?:div|p|li)\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")


def html_to_text(cell: str) -> str:
    """Anki field HTML as plain text: line breaks kept, other tags dropped, entities decoded."""
    text = _BREAK.sub("\n", cell)
    text = _TAG.sub("", text)
    text = html.unescape(text).replace("\xa0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
