"""CSV lines built by SQLite itself, for the CSV export (studyapp.transfer.export).

A million review rows cost seconds as Python tuples going through the csv module, so on
SQLite each line is built by SQLite itself, exactly as csv.writer would write that row
(QUOTE_MINIMAL, "\n" line ends), and fetched 50,000 lines at a time as one string. The
old row-by-row queries (kept in tests/test_export_fast.py) are the reference: a day is
date(ordinal + 1721424.5), a moment strftime('%Y-%m-%dT%H:%M:%fZ', ms / 1000.0,
'unixepoch'), an easiness Python's repr of hundredths / 100.0, an integer its digits, a
NULL an empty field. (Measured: splitting the rows between two threads, each with its
own connection, is no faster; SQLite's string building does not run in parallel.)

SQLite's own string functions, with no Core spelling: the store keeps this SQL text, so
nothing above it writes any.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from functools import cache
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from studyapp.store.db import Database

_CSV_CHUNK = 50_000


def write_sqlite_csv(
    db: Database,
    out: IO[str],
    columns: tuple[str, ...],
    table: str,
    written_more: Callable[[int], None] | None = None,
) -> int:
    """Write the header, then the table's lines in rowid order (insertion order: for the
    review log, id order), all read in one transaction so the file is one snapshot: the
    cards that are not retired, or the whole review log. Returns how many lines;
    `written_more` is told how many each chunk added, for a progress bar."""
    line, where = _LINES[table]
    csv.writer(out, lineterminator="\n").writerow(columns)
    first = _chunk_sql(table, line, where)
    following = _chunk_sql(table, line, f"{where} AND rowid > ?" if where else "rowid > ?")
    written = 0
    with db.engine.connect() as connection:
        text, last, rows, lines = connection.exec_driver_sql(first).one()
        while rows:
            if lines != rows:  # a NULL got past the line's SQL: never drop rows silently
                raise RuntimeError(f"export: {rows - lines} {table} rows could not be written")
            out.write(text)
            written += rows
            if written_more is not None:
                written_more(rows)
            text, last, rows, lines = connection.exec_driver_sql(following, (last,)).one()
    return written


def _chunk_sql(table: str, line: str, where: str) -> str:
    """The next _CSV_CHUNK lines as one string, with the last rowid they reached and how
    many rows (and non-NULL lines) there were. Rows are taken after a rowid, not by
    OFFSET, so each chunk starts where the last ended without counting through it."""
    condition = f"WHERE {where} " if where else ""
    return (
        "SELECT group_concat(line, ''), max(rid), count(*), count(line) FROM ("
        f"SELECT rowid AS rid, {line} AS line FROM {table} {condition}"
        f"ORDER BY rowid LIMIT {_CSV_CHUNK})"
    )


@cache
def _quoted_characters() -> tuple[str, ...]:
    """The characters that make this Python's csv.writer quote a field. They vary: 3.13
    also quotes a lone carriage return, which 3.11 and 3.12 leave bare."""
    found = []
    for char in (",", '"', "\n", "\r", "\t", " ", "\0", ";", "'"):
        sample = io.StringIO()
        csv.writer(sample, lineterminator="\n").writerow([f"a{char}b", ""])
        if sample.getvalue().startswith('"'):
            found.append(char)
    return tuple(found)


def _sql_text(column: str) -> str:
    """SQL for a text column as csv.writer writes it: in quotes, quotes doubled, when it
    holds a character that needs them. Built with || and replace(), which keep a NUL
    character, where printf's %s would end the text there."""
    needs_quotes = " OR ".join(f"instr({column}, char({ord(c)}))" for c in _quoted_characters())
    quoted = f"""'"' || replace({column}, '"', '""') || '"'"""
    return f"CASE WHEN {needs_quotes} THEN {quoted} ELSE ifnull({column}, '') END"


def _sql_easiness(column: str) -> tuple[str, list[str]]:
    """A printf format and its arguments for Python's repr of `column / 100.0`, from integer
    arithmetic (SQLite's own text for the division is right too, but slower). Easiness is
    kept in whole hundredths, so the decimal is exact: 250 -> 2.5, 236 -> 2.36,
    205 -> 2.05, 200 -> 2.0. For a column that is not negative."""
    return "%d.%0*d", [
        f"{column} / 100",
        f"2 - ({column} % 10 = 0)",  # one decimal when the hundredths digit is 0, else two
        f"CASE WHEN {column} % 10 THEN {column} % 100 ELSE {column} % 100 / 10 END",
    ]


def _sql_day(column: str) -> str:
    return f"date({column} + 1721424.5)"  # proleptic ordinal -> Julian day -> ISO date


def _sql_csv_line(text_fields: list[str], fmt: str, arguments: list[str]) -> str:
    """SQL for one CSV line: the text fields (already CSV fields) joined with commas, then
    the other fields, which one printf call writes from `fmt` ("," before each field)."""
    return " || ',' || ".join(text_fields) + f" || printf('{fmt}\n', {', '.join(arguments)})"


_SQLITE_CARD_LINE = _sql_csv_line(
    [_sql_text(column) for column in ("id", "deck_id", "front", "back", "tags")],
    ",%s,%s,%s,%s,%s,%s",
    [
        "easiness / 100.0",
        "repetitions",
        "interval",
        _sql_day("due"),
        "lapses",
        "CASE WHEN suspended THEN 'True' ELSE 'False' END",
    ],
)


def _sql_review_line() -> str:
    """SQL for one line of the review log.

    Most rows take a fast line: the moment (epoch milliseconds) and both easiness factors
    are written with integer arithmetic inside the line's one printf call, for a fraction
    of what strftime() and real-number text cost. A row with a moment outside years 1 to
    9999 (no Python datetime is) or a negative easiness takes the plain line.
    """
    texts = ["id", _sql_text("kind"), _sql_text("item_id")]
    before, before_args = _sql_easiness("prev_easiness")
    after, after_args = _sql_easiness("easiness")
    day_ms = 86_400_000
    of_day = f"((reviewed_at % {day_ms} + {day_ms}) % {day_ms})"
    fast = _sql_csv_line(
        texts,
        f",%sT%02d:%02d:%02d.%03dZ,%s,%s,%s,{before},%s,%s,%s,%s,{after},%s,%s,%s,%s",
        [
            f"date((reviewed_at - {of_day}) / {day_ms} + 2440587.5)",
            f"{of_day} / 3600000",
            f"{of_day} / 60000 % 60",
            f"{of_day} / 1000 % 60",
            f"{of_day} % 1000",
            "quality",
            "duration_ms",
            "repeat",
            *before_args,
            "prev_repetitions",
            "prev_interval",
            _sql_day("prev_due"),
            "prev_lapses",
            *after_args,
            "repetitions",
            "interval",
            _sql_day("due"),
            "lapses",
        ],
    )
    plain = _sql_csv_line(
        texts,
        ",%s" * 14,
        [
            "strftime('%Y-%m-%dT%H:%M:%fZ', reviewed_at / 1000.0, 'unixepoch')",
            "quality",
            "duration_ms",
            "repeat",
            "prev_easiness / 100.0",
            "prev_repetitions",
            "prev_interval",
            _sql_day("prev_due"),
            "prev_lapses",
            "easiness / 100.0",
            "repetitions",
            "interval",
            _sql_day("due"),
            "lapses",
        ],
    )
    usual = (
        "reviewed_at BETWEEN -62135596800000 AND 253402300799999 "  # 0001-01-01 .. 9999-12-31
        "AND prev_easiness >= 0 AND easiness >= 0"
    )
    return f"CASE WHEN {usual} THEN {fast} ELSE {plain} END"


_SQLITE_REVIEW_LINE = _sql_review_line()


_LINES = {"cards": (_SQLITE_CARD_LINE, "retired = 0"), "reviews": (_SQLITE_REVIEW_LINE, "")}
