"""CSV lines for the CSV export (studyapp.transfer.export), built from whole columns.

Python's csv module costs microseconds a row, and so does fetching a row at all. So a
chunk of up to 50,000 rows (a range of rowids, in rowid order) comes back from SQLite as
ONE row: for each column, its values joined by a separator (group_concat, which keeps a
NUL character). Python splits each column with str.split, quotes the few fields that
need it exactly as csv.writer does (QUOTE_MINIMAL, "\n" line ends), writes the few
distinct easiness factors and days once each (a memo), and joins the lines in C
(map(",".join, zip(...))). A chunk that holds anything unusual (the separator inside a
text, a NULL where a value was expected, a day before year 1, a factor that is not whole
hundredths) is written instead by SQL lines that match csv.writer in every case (kept
below, and checked against the old row-by-row queries in tests/test_export_fast.py): a
day is date(ordinal + 1721424.5), a moment strftime('%Y-%m-%dT%H:%M:%fZ', ms / 1000.0,
'unixepoch'), an easiness Python's repr of hundredths / 100.0, an integer its digits, a
NULL an empty field.

Measured at 100,000 cards (CPU seconds, loaded machine): the lines built in SQL took
0.51 s, these columns 0.26 s, Anki's notes export 0.29 s. (Splitting the rows between two
threads, each with its own connection, is no faster.)

SQLite's own string functions, with no Core spelling: the store keeps this SQL text, so
nothing above it writes any.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date
from functools import cache
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from studyapp.store.db import Database

_CSV_CHUNK = 50_000
_SEPARATOR = "\x1e"  # ASCII's record separator: never in ordinary text, and checked for


class _Unusual(Exception):
    """A chunk the columns cannot write exactly: it is written by the SQL lines instead."""


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
    csv.writer(out, lineterminator="\n").writerow(columns)
    written = 0
    with db.engine.connect() as connection:
        for low, high in _chunks(connection, table):
            rows = _write_chunk(connection, out, table, low, high)
            written += rows
            if written_more is not None and rows:
                written_more(rows)
    return written


def _chunks(connection: Connection, table: str) -> Iterator[tuple[int | None, int | None]]:
    """(after, up to) rowid bounds of chunks of _CSV_CHUNK rows each, None for no bound.
    Bounds come from the rowids themselves, so sparse or negative ids cost no more."""
    boundary = (
        f"SELECT rowid FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT 1 OFFSET {_CSV_CHUNK - 1}"
    )
    first = f"SELECT rowid FROM {table} ORDER BY rowid LIMIT 1 OFFSET {_CSV_CHUNK - 1}"
    low: int | None = None
    while True:
        if low is None:
            high = connection.exec_driver_sql(first).scalar()
        else:
            high = connection.exec_driver_sql(boundary, (low,)).scalar()
        yield low, high
        if high is None:
            return
        low = high


def _write_chunk(
    connection: Connection, out: IO[str], table: str, low: int | None, high: int | None
) -> int:
    """The rows with low < rowid <= high as lines: by columns, or by SQL lines when the
    chunk holds something unusual. Returns how many rows."""
    spec = _TABLES[table]
    bounds, parameters = _bounds(low, high)
    where = " AND ".join(filter(None, (spec.where, bounds)))
    condition = f" WHERE {where}" if where else ""
    sqls = _column_sql(spec)
    joined = ", ".join(f"group_concat({sql}, '{_SEPARATOR}')" for sql in sqls)
    count, *texts = connection.exec_driver_sql(
        f"SELECT count(*), {joined} FROM {table}{condition}", parameters
    ).one()
    if not count:
        return 0
    try:
        columns = iter(texts)
        fields = [
            _moment(count, next(columns), next(columns), next(columns))
            if kind == "moment"
            else _column(next(columns), count, kind)
            for _sql, kind in spec.columns
        ]
    except _Unusual:
        return _write_lines(connection, out, table, condition, parameters, count)
    out.write("\n".join(map(",".join, zip(*fields, strict=True))))
    out.write("\n")
    return int(count)


def _column_sql(spec: _Table) -> list[str]:
    """The SQL of each column fetched: a moment is three (its day, second of the day and
    millisecond), each with few distinct values, so each is written through a memo."""
    found = []
    for sql, kind in spec.columns:
        if kind == "moment":
            of_day = f"(({sql} % {_DAY_MS} + {_DAY_MS}) % {_DAY_MS})"
            found += [f"({sql} - {of_day}) / {_DAY_MS}", f"{of_day} / 1000", f"{of_day} % 1000"]
        else:
            found.append(sql)
    return found


_DAY_MS = 86_400_000


def _moment(count: int, days: str | None, seconds: str | None, millis: str | None) -> Any:
    """Epoch milliseconds (as day, second of day, millisecond) as ISO 8601 UTC."""
    whole = [
        _column(days, count, "epoch day"),
        _column(seconds, count, "second"),
        _column(millis, count, "millisecond"),
    ]
    return list(map(str.__add__, map(str.__add__, whole[0], whole[1]), whole[2]))


def _bounds(low: int | None, high: int | None) -> tuple[str, tuple[int, ...]]:
    conditions, parameters = [], []
    if low is not None:
        conditions.append("rowid > ?")
        parameters.append(low)
    if high is not None:
        conditions.append("rowid <= ?")
        parameters.append(high)
    return " AND ".join(conditions), tuple(parameters)


def _column(text: str | None, count: int, kind: str) -> Any:
    """One column of a chunk as CSV fields (an iterable of `count` strings)."""
    if text is None:
        raise _Unusual  # every value NULL
    values = text.split(_SEPARATOR)
    if len(values) != count:
        raise _Unusual  # a NULL skipped, or the separator inside a value
    if kind == "text":
        quoted = _quoted_characters()
        if any(char in text for char in quoted):
            return [_quote(value) if any(c in value for c in quoted) else value for value in values]
        return values
    if kind == "as is":
        return values
    return list(map(_MEMOS[kind]().__getitem__, values))


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


class _Memo(dict[str, str]):
    """A value's CSV text, worked out once per distinct value: a collection has few
    distinct easiness factors and days, however many rows."""

    def __init__(self, make: Callable[[str], str]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: str) -> str:
        try:
            text = self[key] = self.make(key)
        except ValueError:
            raise _Unusual from None
        return text


def _easiness_text(stored: str) -> str:
    """Hundredths as Python's repr of hundredths / 100.0 (250 -> 2.5)."""
    return repr(_whole(stored) / 100)


def _day_text(stored: str) -> str:
    """A proleptic ordinal as an ISO date, '' for no day (SQL gave '' for NULL)."""
    return "" if stored == "" else date.fromordinal(_whole(stored)).isoformat()


def _flag_text(stored: str) -> str:
    return {"0": "False", "1": "True"}[stored] if stored in ("0", "1") else _unusual()


def _whole(stored: str) -> int:
    if not stored.lstrip("-").isdigit():
        raise ValueError(stored)
    return int(stored)


def _unusual() -> str:
    raise ValueError


def _epoch_day_text(stored: str) -> str:
    """Days since 1970-01-01 as the ISO date and the T before the time; a day outside
    years 1 to 9999 (no Python date) leaves the chunk to the SQL lines."""
    return date.fromordinal(_whole(stored) + _EPOCH_ORDINAL).isoformat() + "T"


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _second_text(stored: str) -> str:
    minutes, second = divmod(_whole(stored), 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}:{second:02d}."


def _millisecond_text(stored: str) -> str:
    return f"{_whole(stored):03d}Z"


_MEMOS: dict[str, Callable[[], _Memo]] = {
    kind: cache(lambda make=make: _Memo(make))
    for kind, make in (
        ("easiness", _easiness_text),
        ("day", _day_text),
        ("flag", _flag_text),
        ("epoch day", _epoch_day_text),
        ("second", _second_text),
        ("millisecond", _millisecond_text),
    )
}


def _write_lines(
    connection: Connection,
    out: IO[str],
    table: str,
    condition: str,
    parameters: tuple[int, ...],
    count: int,
) -> int:
    """The chunk by SQL lines that match csv.writer whatever the values."""
    line = _TABLES[table].line
    text, lines = connection.exec_driver_sql(
        f"SELECT group_concat(line, ''), count(line) FROM ("
        f"SELECT {line} AS line FROM {table}{condition} ORDER BY rowid)",
        parameters,
    ).one()
    if lines != count:  # a NULL got past the line's SQL: never drop rows silently
        raise RuntimeError(f"export: {count - lines} {table} rows could not be written")
    out.write(text)
    return count


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


class _Table:
    """How one table is written: its columns (SQL, and how Python writes each value:
    "text" quoted as csv.writer would, "as is", "moment" from epoch milliseconds, or
    through a memo), which rows, and the
    SQL line that writes any row exactly."""

    def __init__(self, columns: list[tuple[str, str]], where: str, line: str) -> None:
        self.columns, self.where, self.line = columns, where, line


def _schedule(prefix: str) -> list[tuple[str, str]]:
    return [
        (f"{prefix}easiness", "easiness"),
        (f"{prefix}repetitions", "as is"),
        (f"{prefix}interval", "as is"),
        (f"ifnull({prefix}due, '')", "day"),
        (f"{prefix}lapses", "as is"),
    ]


_TABLES = {
    "cards": _Table(
        [(name, "text") for name in ("id", "deck_id", "front", "back", "tags")]
        + _schedule("")
        + [("suspended", "flag")],
        "retired = 0",
        _SQLITE_CARD_LINE,
    ),
    "reviews": _Table(
        [
            ("id", "as is"),
            ("kind", "text"),
            ("item_id", "text"),
            ("reviewed_at", "moment"),
            ("quality", "as is"),
            ("duration_ms", "as is"),
            ("repeat", "as is"),
            *_schedule("prev_"),
            *_schedule(""),
        ],
        "",
        _SQLITE_REVIEW_LINE,
    ),
}
