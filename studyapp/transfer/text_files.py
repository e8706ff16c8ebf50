"""Turn a CSV/TSV file or an Anki plain-text notes export into decks.

Table layout: one card per row, columns front, back and optional tags (separated by
spaces or commas inside the cell). A first row that reads exactly front, back[, tags]
(any case) is a header and is skipped. Blank rows are skipped. A learner's own table is
all or nothing: every problem is a `DeckError` with the file, the line and the reason.

Anki's "Notes in Plain Text" export starts with `#key:value` lines (`#separator:tab`,
`#html:true`, `#tags column:3`, `#guid column:1`, `#deck column:3`, `#notetype column:2`,
`#deck:Name`); those are honoured, and the file is read the way Anki's own importer reads
it: every row it would take arrives, and a row it would not (an empty first field, a guid
already seen) is skipped and reported with its line and reason, without stopping the rest.

- The first two remaining fields become front and back (further non-empty fields are
  appended to the back); with `#html:true` simple HTML is reduced to text, an image
  becomes `[image: chat.png]` and a sound `[audio: tone.mp3]`, so no field is left blank.
- A cloze note (its note type names a cloze, or its text has `{{c1::...}}`) gives one card
  per cloze number (`X~c1`, `X~c2`, ...), each keeping the raw text to hide its own gap when
  shown, with the extra as its back; a "Basic (and reversed card)" note gives `X` and its
  reverse `X~rev`: the same siblings as an .apkg import (transfer/anki_cards.py).
- Each row goes to the deck of its `#deck column` (else `#deck:`, else the file's name):
  subdecks keep their full `Parent::Child` name, and the deck id comes from that name, so
  a renamed file updates the same deck.
- With a `#guid column` a card's id comes from the Anki note guid, as in an .apkg import:
  editing a front in Anki and importing again updates the card.

Card ids otherwise are derived from the deck id and the front ("imp-" + 12 hex digits of
a sha1), so importing the same file again updates the cards instead of duplicating them.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from studyapp.decks.cloze import cloze_numbers
from studyapp.decks.format import (
    CLOZE_SUFFIX,
    REVERSE_SUFFIX,
    CardSpec,
    DeckError,
    DeckSpec,
    control_character,
    parse_deck,
    read_text,
    valid_id,
)
from studyapp.transfer.anki_fields import field_text

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
    guid_column: int | None = None
    notetype_column: int | None = None
    deck_column: int | None = None
    deck_name: str | None = None
    first_line: int = 1  # the file line of the first row handed to the CSV reader


@dataclass(frozen=True)
class SkippedRow:
    """A row of an Anki export that was left out, and why (Anki's importer leaves it too)."""

    line: int
    reason: str


@dataclass(frozen=True)
class TextImport:
    """What a table or Anki notes export gave: its decks, and the rows it left out."""

    decks: list[DeckSpec]
    skipped: list[SkippedRow]


def read_text_import(path: Path, deck_id: str | None = None) -> TextImport:
    """Read a CSV, TSV or Anki notes export. A learner's own table raises DeckError at its
    first problem; an Anki export skips and reports the rows Anki would not take."""
    path = Path(path)
    data, lines, layout, chosen = _prepare(path, deck_id)
    if not layout.anki:
        return TextImport([_table_deck(path, data, lines, layout, chosen)], [])
    return _anki_import(path, data, lines, layout, deck_id)


def parse_table(path: Path, deck_id: str | None = None) -> DeckSpec:
    """Read a CSV, TSV or Anki notes export as one deck; raises DeckError with the line of
    the problem (for an Anki export: its first skipped row, or several decks)."""
    path = Path(path)
    data, lines, layout, chosen = _prepare(path, deck_id)
    if not layout.anki:
        return _table_deck(path, data, lines, layout, chosen)
    result = _anki_import(path, data, lines, layout, deck_id)
    if result.skipped:
        raise DeckError(path, result.skipped[0].line, result.skipped[0].reason)
    if len(result.decks) != 1:
        raise DeckError(path, None, f"it holds {len(result.decks)} decks; import it instead")
    return result.decks[0]


def _prepare(path: Path, deck_id: str | None) -> tuple[bytes, list[str], _Layout, str]:
    """The file's bytes, its lines, how to read them and the deck id for a plain table."""
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
    return data, lines, _layout(path, lines), deck_id


def _table_deck(
    path: Path, data: bytes, lines: list[str], layout: _Layout, deck_id: str
) -> DeckSpec:
    body = "".join(lines[layout.first_line - 1 :])
    cards: list[CardSpec] = []
    seen: dict[str, int] = {}
    for index, (line, row) in enumerate(_rows(path, body, layout)):
        if index == 0 and _is_header(row):
            continue
        card = _card(path, line, row, deck_id)
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
            if key == "guid column":
                layout.guid_column = column
            elif key == "notetype column":
                layout.notetype_column = column
            elif key == "deck column":
                layout.deck_column = column
    return layout


@dataclass(frozen=True)
class _Note:
    """One row of an Anki export, read: the card it gives and the note it came from."""

    line: int
    guid: str | None
    deck: str | None
    front: str
    back: str
    tags: tuple[str, ...]
    kind: str = "basic"  # basic | reversed (a reverse card too) | cloze (the raw text in front)
    reverse_front: str = ""  # a reversed note's answer field, which its reverse card asks
    reverse_back: str = ""  # and what that card answers: the front, then any further fields

    def cards(self, key: str, source: str) -> list[CardSpec]:
        """The note's cards, as the .apkg import makes them (transfer/anki_cards.py): `key`
        alone for a basic note; `key` and `key~rev` for a reversed one; `key~cN` for each
        cloze number, every gap keeping the raw text."""
        card = CardSpec(
            id=key,
            front=self.front,
            back=self.back,
            mnemonic=None,
            why=None,
            tags=self.tags,
            source=source,
            line=self.line,
        )
        if self.kind == "reversed":
            card = replace(card, note_id=key)
            flipped = replace(
                card,
                id=key + REVERSE_SUFFIX,
                front=self.reverse_front,
                back=self.reverse_back,
                template="reverse",
            )
            return [card, flipped]
        if self.kind == "cloze":
            return [
                replace(
                    card, id=f"{key}{CLOZE_SUFFIX}{n}", note_id=key, template="cloze", ordinal=n
                )
                for n in cloze_numbers(self.front)
            ]
        return [card]


def _anki_import(
    path: Path, data: bytes, lines: list[str], layout: _Layout, deck_id: str | None
) -> TextImport:
    """Every row of an Anki export that Anki itself would take, grouped into decks."""
    from studyapp.transfer.anki import card_id_for_guid, deck_ids_for

    body = "".join(lines[layout.first_line - 1 :])
    skipped: list[SkippedRow] = []
    notes: list[_Note] = []
    try:
        for line, row in _rows(path, body, layout):
            note = _anki_note(line, row, layout)
            if isinstance(note, str):
                skipped.append(SkippedRow(line, note))
            else:
                notes.append(note)
    except DeckError as error:  # a row the CSV reader cannot read ends the readable part
        if error.line is None:
            raise
        skipped.append(SkippedRow(error.line, error.reason))
    fallback = layout.deck_name or path.stem
    names = sorted({note.deck or fallback for note in notes})
    ids = dict.fromkeys(names, deck_id) if deck_id else deck_ids_for(names)
    by_deck: dict[str, list[CardSpec]] = {}
    seen: dict[str, int] = {}
    for note in notes:
        name = note.deck or fallback
        key = card_id_for_guid(note.guid) if note.guid else card_id(str(ids[name]), note.front)
        if key in seen:
            what = f"note (guid {note.guid})" if note.guid else "front"
            skipped.append(
                SkippedRow(note.line, f"the same {what} already appears at line {seen[key]}")
            )
            continue
        seen[key] = note.line
        by_deck.setdefault(deck_id or name, []).extend(note.cards(key, path.name))
    if not by_deck:
        if skipped:
            raise DeckError(path, skipped[0].line, skipped[0].reason)
        raise DeckError(path, None, "no cards found")
    digest = hashlib.sha256(data).hexdigest()
    description = f"Imported from {path.name}"
    if deck_id:
        name = names[0] if len(names) == 1 else fallback
        decks = [DeckSpec(deck_id, name, description, path, digest, tuple(by_deck[deck_id]))]
    else:
        decks = [
            DeckSpec(str(ids[name]), name, description, path, digest, tuple(by_deck[name]))
            for name in names
            if name in by_deck
        ]
    return TextImport(decks, sorted(skipped, key=lambda row: row.line))


def _anki_note(line: int, row: list[str], layout: _Layout) -> _Note | str:
    """One Anki export row as a note, or the reason it is left out."""

    def cell(column: int | None) -> str:
        return row[column].strip() if column is not None and column < len(row) else ""

    fields = [
        cell
        for i, cell in enumerate(row)
        if i not in layout.skip_columns and i != layout.tags_column
    ]
    fields = [field_text(field, layout.html) for field in fields]
    if not fields or not fields[0]:
        return "empty front"
    notetype = cell(layout.notetype_column).lower()
    front, back = fields[0], fields[1] if len(fields) > 1 else ""
    extra = [field for field in fields[2:] if field]
    kind = "reversed" if "and reversed" in notetype and back else "basic"
    if "cloze" in notetype or CLOZE_START.search(front):
        if not cloze_numbers(front):
            return "a cloze note without a {{c1::...}} deletion"
        kind = "cloze"  # the raw text is the front; the back is the extra, maybe empty
    reverse_back = "\n".join((front, *extra))  # the reverse card asks the answer field
    back = "\n".join(part for part in (back, *extra) if part)
    if not back and kind != "cloze":
        return "empty back"
    bad = control_character(front + back)
    if bad is not None:
        return f"a control character ({bad}) in the front or back"
    tags = _split_tags(cell(layout.tags_column))  # a short row has no tags, not an error
    guid, deck = cell(layout.guid_column) or None, cell(layout.deck_column) or None
    return _Note(
        line,
        guid,
        deck,
        front,
        back,
        tags,
        kind,
        fields[1] if kind == "reversed" else "",
        reverse_back,
    )


CLOZE_START = re.compile(r"\{\{c\d+::")


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


def _card(path: Path, line: int, row: list[str], deck_id: str) -> CardSpec:
    """One row of a learner's own table as a card (Anki exports go through _anki_note)."""
    tags: tuple[str, ...] = ()
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
