"""Whole tables in and out, in their stored form, for the JSON backup (transfer/backup.py,
transfer/restore.py).

A million review rows through the ORM, or through Core's per-row type processing, cost
tens of seconds; here a table's columns are read as the driver returns them and written
with the driver's own executemany, a batch at a time. Values are in the stored form of
store/types.py (days as ordinals, moments as epoch milliseconds, easiness as hundredths);
store/rows.py converts. The statements are Core, compiled for the connection's dialect.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from types import TracebackType
from typing import Any

from sqlalchemy import ColumnElement, Connection, Dialect, delete, select, text
from sqlalchemy.exc import DBAPIError

from studyapp.store.schema import metadata


def read_table(
    connection: Connection,
    table: str,
    columns: Sequence[str],
    batch: int = 20_000,
    where: ColumnElement[bool] | None = None,
) -> Iterator[Sequence[tuple[Any, ...]]]:
    """The table's rows (those `where` picks), in primary key order, `batch` at a time:
    plain tuples, and a server-side cursor where the driver has one, so memory holds one
    batch. On SQLite the driver's own cursor is read: SQLAlchemy's rows cost a third
    more at a million rows, and an SQLite cursor streams anyway."""
    found = metadata.tables[table]
    statement = select(*(found.c[name] for name in columns)).order_by(*found.primary_key)
    if where is not None:
        statement = statement.where(where)
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    sql = str(compiled)
    if connection.dialect.name == "sqlite":
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql)
            while rows := cursor.fetchmany(batch):
                yield rows
        finally:
            cursor.close()
        return
    result = connection.exec_driver_sql(  # a server-side cursor for this statement only
        sql, execution_options={"stream_results": True, "yield_per": batch}
    )
    while rows := result.fetchmany(batch):
        yield rows


def empty_tables(connection: Connection, tables: Sequence[str]) -> None:
    """Empty `tables` (those pointing at others first), in the caller's transaction.

    On PostgreSQL one TRUNCATE of them all: a DELETE of a million reviews runs each row's
    foreign-key action against drill_attempts (ON DELETE SET NULL, a scan of its rows per
    review: 8 minutes at a million reviews), and leaves a million dead rows behind for the
    rows that follow. TRUNCATE is transactional there: a rollback brings the rows back.
    (It locks the tables against every other reader until the commit, as a restore
    should.) Elsewhere a DELETE per table."""
    if connection.dialect.name == "postgresql":
        quote = connection.dialect.identifier_preparer.quote
        names = ", ".join(quote(metadata.tables[table].name) for table in tables)
        connection.exec_driver_sql(f"TRUNCATE {names}")
        return
    for table in tables:
        connection.execute(delete(metadata.tables[table]))


def insert_rows(
    connection: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert stored-form `rows` (values in `columns` order): one executemany, or on
    PostgreSQL one COPY (a statement per row costs the server a hundred microseconds each;
    COPY streams the rows into the table)."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        _copy_rows(connection, table, tuple(columns), rows)
        return
    connection.exec_driver_sql(_insert_sql(connection.dialect, table, tuple(columns)), rows)


def _copy_rows(
    connection: Connection, table: str, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]
) -> None:
    """COPY table (columns) FROM STDIN through psycopg, on the connection's own transaction."""
    known = metadata.tables[table]
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(known.c[name].name) for name in columns)
    cursor: Any = connection.connection.cursor()  # psycopg's own cursor
    try:
        with cursor.copy(f"COPY {quote(known.name)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


def _insert_sql(dialect: Dialect, table: str, columns: tuple[str, ...]) -> str:
    """INSERT INTO table (columns) VALUES (one positional marker per column): the driver
    takes each row as a plain tuple (sqlite3's `?`, psycopg's `%s`)."""
    known = metadata.tables[table]
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    names = ", ".join(quote(known.c[name].name) for name in columns)
    return (
        f"INSERT INTO {quote(known.name)} ({names}) VALUES ({', '.join([marker] * len(columns))})"
    )


_COLUMN_TYPES = text(
    "SELECT attname, atttypid::int FROM pg_attribute "
    "WHERE attrelid = CAST(:name AS regclass) AND attnum > 0 AND NOT attisdropped"
)


class RowWriter:
    """Batches of stored-form rows, table after table, as a restore receives them.

    On PostgreSQL each run of one table's batches is ONE binary COPY: a COPY per batch
    waits at its end for the server to finish the batch (the client idle, then the server
    idle while the next batch is formatted), and text rows cost the client 4 s and the
    server their parsing at a million reviews; binary values are packed in C. The rows are
    in the table once the COPY ends: at `end()`, when another table comes, and at the
    block's end. Elsewhere each batch is `insert_rows`' executemany, at once.

    Binary COPY takes each value as its column's type: ints for integer columns (days,
    moments, hundredths), bools for flags, str for text, None for NULL."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.streaming = connection.dialect.name == "postgresql"
        self.current: tuple[str, tuple[str, ...]] | None = None
        self.copy: Any = None
        self.open = ExitStack()
        self.types: dict[str, dict[str, int]] = {}

    def write(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        """Send `rows` (values in `columns` order) on; into the table by the COPY's end."""
        if not rows:
            return
        if not self.streaming:
            insert_rows(self.connection, table, columns, rows)
            return
        with self._refused():
            if self.current != (table, tuple(columns)):
                self.end()
                self._start(table, tuple(columns))
            write_row = self.copy.write_row
            for row in rows:
                write_row(row)

    @contextmanager
    def _refused(self) -> Iterator[None]:
        """The driver's own error (the COPY runs on its cursor) as SQLAlchemy's, as any
        other statement's would be: a row the server refuses is a DBAPIError."""
        driver_error = self.connection.dialect.loaded_dbapi.Error
        try:
            yield
        except driver_error as error:
            statement = f"COPY {self.current[0]}" if self.current else "COPY"
            raise DBAPIError.instance(statement, None, error, driver_error) from error

    def _start(self, table: str, columns: tuple[str, ...]) -> None:
        known = metadata.tables[table]
        quote = self.connection.dialect.identifier_preparer.quote
        if table not in self.types:
            found = self.connection.execute(_COLUMN_TYPES, {"name": quote(known.name)})
            self.types[table] = {str(name): int(oid) for name, oid in found}
        names = ", ".join(quote(known.c[name].name) for name in columns)
        cursor: Any = self.connection.connection.cursor()  # psycopg's own cursor
        self.open.callback(cursor.close)
        self.copy = self.open.enter_context(
            cursor.copy(f"COPY {quote(known.name)} ({names}) FROM STDIN (FORMAT BINARY)")
        )
        self.copy.set_types([self.types[table][known.c[name].name] for name in columns])
        self.current = (table, columns)

    def end(self) -> None:
        """End the open COPY: its rows are in the table for the statements that follow."""
        with self._refused():
            self.open.close()
        self.copy, self.current = None, None

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Without an error, the last COPY ends; with one, the COPY is called off (the
        server refuses it) so that the caller's rollback can run."""
        if error is None:
            self.end()
            return
        self.copy, self.current = None, None
        self.open.__exit__(kind, error, trace)
