"""CSV lines and backup records built by PostgreSQL itself, for the exports on a server.

A million review rows cost tens of seconds as Python rows through the csv module, and
seconds as Structs through msgspec; here the server writes each line's text exactly as
those writers do (tests/test_export_postgres.py compares them byte for byte) and sends
thousands of lines as one fetched string. The export is read in one REPEATABLE READ
transaction (the caller's), so its chunks are one snapshot; the review log's chunks are
shared with a second connection reading that same snapshot, so two of the server's CPUs
build them.

Each value is written as Python writes it: a day (stored as its proleptic ordinal) as an
ISO date; a moment (epoch milliseconds) as ISO 8601 UTC to the millisecond with a Z; an
easiness (whole hundredths) as Python's repr of hundredths / 100 (2.5, 3.0, 2.36); a CSV
text field quoted as csv.writer's QUOTE_MINIMAL quotes it (not as COPY's CSV would: that
quotes an empty string and a lone carriage return, which Python leaves bare); a JSON string
by to_json(), which escapes exactly what msgspec escapes. PostgreSQL's string functions
have no Core spelling: the store keeps this SQL text, so nothing above it writes any.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import IO, TYPE_CHECKING

from studyapp.store.csv_lines import _quoted_characters
from studyapp.store.json_lines import Field

if TYPE_CHECKING:
    from sqlalchemy import Connection

CHUNK = 20_000
"""Rows per fetched string: a few megabytes of text."""

_DAY_MS = 86_400_000


def prepare(connection: Connection) -> None:
    """Dates as ISO text for the rest of the caller's transaction, whatever the server's
    or the role's DateStyle; and room to sort a group of cards' lines in memory (the
    default 4 MB can send one to disk, at several times the cost)."""
    connection.exec_driver_sql("SET LOCAL datestyle = 'ISO, YMD'")
    connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")


# --- values -------------------------------------------------------------------------------


def day_sql(column: str) -> str:
    """A day's ordinal as an ISO date (NULL stays NULL). Needs prepare()'s DateStyle."""
    return f"(DATE '0001-01-01' + ({column} - 1))::text"


def moment_sql(column: str) -> str:
    """Epoch milliseconds as ISO 8601 UTC to the millisecond: 2026-03-10T12:00:00.123Z.
    Split into a day and a millisecond of the day with integer arithmetic (exact, where
    an interval of milliseconds is a float); the time is one numeric to_char."""
    of_day = f"mod(mod({column}, {_DAY_MS}) + {_DAY_MS}, {_DAY_MS})"
    day = f"(DATE '1970-01-01' + (({column} - {of_day}) / {_DAY_MS})::integer)::text"
    clock = (
        f"{of_day} / 3600000 * 10000000 + mod({of_day} / 60000, 60) * 100000 "
        f"+ mod({of_day}, 60000)"
    )  # hhmmssmmm as one number
    return f"""{day} || to_char({clock}, 'FM"T"00":"00":"00"."000"Z"')"""


def ease_sql(column: str) -> str:
    """Whole hundredths as Python's repr of hundredths / 100: 250 -> 2.5, 300 -> 3.0,
    236 -> 2.36, -5 -> -0.05 (numeric division is exact; trim_scale drops the zeros)."""
    return (
        f"CASE WHEN mod({column}, 100) = 0 THEN ({column} / 100)::text || '.0' "
        f"ELSE trim_scale({column}::numeric / 100)::text END"
    )


def csv_text_sql(column: str) -> str:
    """A text column as csv.writer writes it: in quotes, quotes doubled, when it holds a
    character that makes this Python quote (csv_lines finds which); NULL as nothing.
    (PostgreSQL's text holds no NUL character, the one Python also quotes.)"""
    tests = " OR ".join(
        f"strpos({column}, chr({ord(char)})) > 0" for char in _quoted_characters() if char != "\0"
    )
    quoted = f"""'"' || replace({column}, '"', '""') || '"'"""
    return f"CASE WHEN {tests} THEN {quoted} ELSE coalesce({column}, '') END"


def _flag_sql(column: str, true: str, false: str) -> str:
    return f"CASE WHEN {column} THEN '{true}' WHEN NOT {column} THEN '{false}' END"


# --- CSV ----------------------------------------------------------------------------------


class _CsvTable:
    """How one table is written as CSV: which rows, in what order (a unique key), and each
    field's SQL."""

    def __init__(self, where: str, keys: tuple[str, ...], fields: list[str]) -> None:
        self.where, self.keys = where, keys
        parts = [part for field in fields for part in ("','", field)][1:]
        self.line = f"concat({', '.join(parts)}, chr(10))"  # one call; a NULL writes nothing


def _csv_schedule(prefix: str) -> list[str]:
    return [
        ease_sql(f"{prefix}easiness"),
        f"{prefix}repetitions",
        f"{prefix}interval",
        day_sql(f"{prefix}due"),
        f"{prefix}lapses",
    ]


_CSV_TABLES = {
    "cards": _CsvTable(
        "NOT retired",
        ("deck_id", "position", "id"),
        [
            *(csv_text_sql(name) for name in ("id", "deck_id", "front", "back", "tags")),
            *_csv_schedule(""),
            _flag_sql("suspended", "True", "False"),
        ],
    ),
    "reviews": _CsvTable(
        "",
        ("id",),
        [
            "id",
            csv_text_sql("kind"),
            csv_text_sql("item_id"),
            moment_sql("reviewed_at"),
            "quality",
            "duration_ms",
            _flag_sql("repeat", "True", "False"),
            *_csv_schedule("prev_"),
            *_csv_schedule(""),
        ],
    ),
}
"""The fields of export.CARD_COLUMNS and export.REVIEW_COLUMNS, in their order."""


def write_postgres_csv(
    connection: Connection,
    out: IO[str],
    table: str,
    written_more: Callable[[int], None] | None = None,
) -> int:
    """Write the table's CSV lines (no header): the cards that are not retired in deck and
    position order, or the whole review log in id order. Returns how many lines;
    `written_more` is told how many each chunk added."""
    spec = _CSV_TABLES[table]
    written = 0
    for text, rows in _chunks(connection, table, spec.line, "", spec.keys, spec.where):
        out.write(text)
        written += rows
        if written_more is not None:
            written_more(rows)
    return written


# --- JSON backup records ------------------------------------------------------------------


def write_postgres_records(
    connection: Connection,
    table: str,
    fields: Sequence[Field],
    out: IO[bytes],
    written_more: Callable[[int], None] | None = None,
) -> int:
    """Write every row of `table`, in primary key order, as one JSON object per line,
    lines joined by ",\\n" (no comma after the last), each object `fields` in their order
    as msgspec encodes them (json_lines.Field kinds); returns how many."""
    record = _object(fields)
    written = 0
    for text, rows in _chunks(connection, table, record, ",\n", ("id",), ""):
        if written:
            out.write(b",\n")
        out.write(text.encode())
        written += rows
        if written_more is not None:
            written_more(rows)
    return written


def _object(fields: Sequence[Field]) -> str:
    """One concat() call for the whole record: a chain of || copies the record so far at
    every step, at twice the cost."""
    return f"concat({', '.join(_object_parts(fields))})"


def _object_parts(fields: Sequence[Field]) -> list[str]:
    parts: list[str] = []
    for key, column, kind in fields:
        parts.append(f"""'{"," if parts else "{"}"{key}":'""")
        if isinstance(column, str):
            parts.append(_json_value(column, kind))
        else:
            parts += _object_parts(column)
    return [*parts, "'}'"]


def _json_value(column: str, kind: str) -> str:
    if kind == "int":  # concat() writes it (a cast first costs half as much again)
        return column
    if kind == "text":
        return f"to_json({column}::text)::text"
    if kind == "bool":
        return _flag_sql(column, "true", "false")
    if kind == "day":
        return f"""coalesce('"' || {day_sql(column)} || '"', 'null')"""
    if kind == "ease":
        return ease_sql(column)
    if kind == "moment":
        return f"""'"' || {moment_sql(column)} || '"'"""
    raise ValueError(f"unknown kind {kind!r}")


# --- reading in chunks --------------------------------------------------------------------


def _chunks(
    connection: Connection,
    table: str,
    line: str,
    separator: str,
    keys: tuple[str, ...],
    where: str,
) -> Iterator[tuple[str, int]]:
    """(text, rows) for each CHUNK rows in `keys` order (unique), the rows' `line`s joined
    by `separator`. A line is one concat(), never NULL: no row is dropped."""
    condition = f" WHERE {where}" if where else ""
    if keys != ("id",):
        yield from _sorted_lines(connection, table, line, separator, keys, condition)
        return
    yield from _id_chunks(connection, table, line, separator, where)


def _id_chunks(
    connection: Connection, table: str, line: str, separator: str, where: str
) -> Iterator[tuple[str, int]]:
    """In primary key order, CHUNK rows at a time: the chunks' id bounds first (one pass
    over the primary key's index), then each chunk an index range scan whose lines are
    joined on the server into one string, in the order the subquery gives them
    (string_agg's own ORDER BY would sort them again; OFFSET 0 builds each line once).

    Building the lines is the server's work, one CPU's worth per connection: a second
    connection reading the same snapshot (beside()) builds every other chunk meanwhile."""
    numbered = f"SELECT id, row_number() OVER (ORDER BY id) AS n FROM {table}"
    bounds = connection.exec_driver_sql(
        f"SELECT id FROM ({numbered}{f' WHERE {where}' if where else ''}) AS numbered "
        f"WHERE mod(n, {CHUNK}) = 0 ORDER BY id"
    ).scalars()
    highs: list[int | None] = [*bounds, None]
    ranges = list(zip([None, *highs[:-1]], highs, strict=True))
    sep = separator.replace("\n", "' || chr(10) || '")

    def read(reader: Connection, *, low: int | None, high: int | None) -> tuple[str, int]:
        conditions = [where] if where else []
        conditions += ["id > %(low)s"] if low is not None else []
        conditions += ["id <= %(high)s"] if high is not None else []
        condition = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = f"SELECT * FROM {table}{condition} ORDER BY id"
        text, count = reader.exec_driver_sql(
            f"SELECT string_agg(line, '{sep}'), count(*) "
            f"FROM (SELECT {line} AS line FROM ({rows}) AS chunk OFFSET 0) AS lines",
            {"low": low, "high": high},
        ).one()
        return text or "", int(count)

    yield from _shared(connection, [partial(read, low=low, high=high) for low, high in ranges])


_Read = Callable[["Connection"], tuple[str, int]]


def _shared(connection: Connection, reads: list[_Read]) -> Iterator[tuple[str, int]]:
    """Each read's (text, rows), in order, the empty ones left out: with more than two,
    every other one is run on a second connection (beside()) while this one runs the
    one before it."""
    if len(reads) < 3:  # one chunk (and perhaps an empty one after it): nothing to share
        for read in reads:
            text, count = read(connection)
            if count:
                yield text, count
        return
    with beside(connection) as other, ThreadPoolExecutor(1) as helper:
        for at in range(0, len(reads), 2):
            ahead = helper.submit(reads[at + 1], other) if at + 1 < len(reads) else None
            for text, count in (reads[at](connection), *([ahead.result()] if ahead else [])):
                if count:
                    yield text, count


@contextmanager
def beside(connection: Connection) -> Iterator[Connection]:
    """A second connection whose transaction reads the same snapshot as `connection`'s
    (which must be REPEATABLE READ): exported by pg_export_snapshot(), as pg_dump's
    parallel workers share theirs."""
    snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
    if not isinstance(snapshot, str) or not re.fullmatch(r"[0-9A-Fa-f-]+", snapshot):
        raise RuntimeError(f"unexpected snapshot id {snapshot!r}")
    engine = connection.engine
    with (
        engine.connect().execution_options(isolation_level="REPEATABLE READ") as other,
        other.begin(),
    ):
        other.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        prepare(other)
        yield other


def _sorted_lines(
    connection: Connection,
    table: str,
    line: str,
    separator: str,
    keys: tuple[str, ...],
    condition: str,
) -> Iterator[tuple[str, int]]:
    """The lines in an order no index gives (the cards by deck, then position): in groups
    of whole decks (about CHUNK rows each; a larger deck is a group alone), each group's
    lines built, sorted and joined by one statement, the groups shared between two
    connections as the review log's chunks are."""
    first = keys[0]
    counts = connection.exec_driver_sql(
        f"SELECT {first}, count(*) FROM {table}{condition} GROUP BY {first} ORDER BY {first}"
    ).all()
    groups: list[tuple[str, str]] = []
    size = 0
    for value, count in counts:
        if groups and size < CHUNK:
            groups[-1] = (groups[-1][0], value)
            size += count
        else:
            groups.append((value, value))
            size = count
    within = f"{condition} AND" if condition else " WHERE"

    def read(reader: Connection, *, low: str, high: str) -> tuple[str, int]:
        rows = (
            f"SELECT {line} AS line FROM {table}{within} {first} BETWEEN %(low)s AND %(high)s "
            f"ORDER BY {', '.join(keys)} OFFSET 0"
        )
        text, count = reader.exec_driver_sql(
            f"SELECT string_agg(line, %(separator)s), count(*) FROM ({rows}) AS sorted",
            {"low": low, "high": high, "separator": separator},
        ).one()
        return text or "", int(count)

    yield from _shared(connection, [partial(read, low=low, high=high) for low, high in groups])
