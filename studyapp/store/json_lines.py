"""Backup records built by SQLite itself, for the JSON backup (transfer/backup.py).

A million review rows cost seconds as Python tuples turned into Structs, so on SQLite each
record of a long table is built by SQLite's json_object(), exactly as msgspec encodes the
record's Struct (tests/test_backup_stream.py compares the two), and fetched thousands of
records at a time as one string. The record's keys, their order and the kind of each
value come from the caller (backup.py derives them from the Struct of backup_schema.py);
only the SQL for each kind is here: the store keeps SQL text, so nothing above it writes
any.

Kinds: "int" (an integer column), "text" (a text column, JSON-quoted), "bool"
(true/false), "day" (a day's ordinal
as an ISO date), "moment" (epoch milliseconds as ISO 8601 UTC to the millisecond),
"ease" (hundredths as a number: 236 -> 2.36; SQLite writes reals as msgspec does), and a
nested list of fields for an object.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import IO, Union

from sqlalchemy import Connection

from studyapp.store.schema import metadata

Field = tuple[str, Union[str, "Sequence[Field]"], str]
"""(key, stored column or nested fields, kind)."""

CHUNK = 20_000
DAY_MS = 86_400_000


def write_sqlite_records(
    connection: Connection,
    table: str,
    fields: Sequence[Field],
    out: IO[bytes],
    written_more: Callable[[int], None] | None = None,
) -> int:
    """Write every row of `table`, in rowid order (for the review log: id order), as one
    JSON object per line, lines joined by ",\\n" (no comma after the last); returns how
    many. `written_more` is told how many each chunk added."""
    if table not in metadata.tables:
        raise KeyError(table)
    record = _object(fields)
    first = _chunk_sql(table, record, "")
    following = _chunk_sql(table, record, "WHERE rowid > ?")
    written = 0
    text, last, rows, lines = connection.exec_driver_sql(first).one()
    while rows:
        if lines != rows:  # a record SQLite could not build: never drop rows silently
            raise RuntimeError(f"backup: {rows - lines} {table} rows could not be written")
        if written:
            out.write(b",\n")
        out.write(text.encode())
        written += rows
        if written_more is not None:
            written_more(rows)
        text, last, rows, lines = connection.exec_driver_sql(following, (last,)).one()
    return written


def _chunk_sql(table: str, record: str, where: str) -> str:
    return (
        "SELECT group_concat(line, ',' || char(10)), max(rid), count(*), count(line) FROM ("
        f"SELECT rowid AS rid, {record} AS line FROM {table} {where} "
        f"ORDER BY rowid LIMIT {CHUNK})"
    )


def _object(fields: Sequence[Field]) -> str:
    """One printf() call for the whole record: SQLite's json_object() re-reads each nested
    object and json() value it is given, at several times the cost."""
    fmt, arguments = _format(fields)
    return f"printf('{fmt}', {', '.join(arguments)})"


def _format(fields: Sequence[Field]) -> tuple[str, list[str]]:
    parts: list[str] = []
    arguments: list[str] = []
    for key, column, kind in fields:
        if not isinstance(column, str):
            inner, more = _format(column)
            parts.append(f'"{key}":{inner}')
            arguments += more
            continue
        parts.append(f'"{key}":{"%d" if kind == "int" else "%s"}')
        arguments.append(_value(column, kind))
    return "{" + ",".join(parts) + "}", arguments


def _value(column: str, kind: str) -> str:
    if kind == "int":
        return column
    if kind == "text":
        return f"json_quote({column})"
    if kind == "bool":
        return f"CASE WHEN {column} THEN 'true' ELSE 'false' END"
    if kind == "day":  # proleptic ordinal -> Julian day -> ISO date, or null
        return f"""ifnull('"' || date({column} + 1721424.5) || '"', 'null')"""
    if kind == "ease":
        return f"{column} / 100.0"
    if kind == "moment":
        of_day = f"({column} % {DAY_MS})"
        fast = (
            """printf('"%sT%02d:%02d:%02d.%03dZ"', """
            f"date(({column} - {of_day}) / {DAY_MS} + 2440587.5), {of_day} / 3600000, "
            f"{of_day} / 60000 % 60, {of_day} / 1000 % 60, {of_day} % 1000)"
        )
        plain = f"""'"' || strftime('%Y-%m-%dT%H:%M:%fZ', {column} / 1000.0, 'unixepoch') || '"'"""
        return f"CASE WHEN {column} >= 0 THEN {fast} ELSE {plain} END"
    raise ValueError(f"unknown kind {kind!r}")


def record_sql(fields: Sequence[Field]) -> str:
    """The SQL expression of one record (for tests and docs)."""
    return _object(fields)
