"""Rewriting many cards at once without keeping browse's text index in step card by card.

On SQLite three triggers keep `cards_fts` (migration 0012) in step with every write to
`cards`: right for the app's single edits, but at a restore's 100,000 cards the index takes
seven times longer to grow one card at a time than to be built once from the finished
table. `index_rebuilt_after` sets the triggers aside for a bulk write and rebuilds the index
once the cards are written. The triggers are read back from the database itself, so they
come back exactly as the migration made them; all of it runs inside the caller's
transaction, so a rollback leaves triggers and index as they were.

PostgreSQL's pg_trgm GIN index (migration 0012) follows the rows itself, but at the same
cost: a restore's 100,000 cards took 5.3 s to COPY with it and 1.8 s without, and building
it once from the finished table 2.2 s. So it is dropped for the bulk write and created again
from its own definition (pg_indexes), in the caller's transaction too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from studyapp.store.schema import CARDS_FTS

_TRIGGERS = (
    "SELECT name, sql FROM sqlite_master "
    "WHERE type = 'trigger' AND tbl_name = 'cards' AND name GLOB ? ORDER BY name"
)


_GIN_INDEXES = text(
    "SELECT indexname, indexdef FROM pg_indexes "
    "WHERE schemaname = current_schema() AND tablename = 'cards' "
    "AND indexdef LIKE '% USING gin %' ORDER BY indexname"
)


class CardIndex:
    """The text index while it is set aside: `rebuild()` builds it from the cards as they
    are now (once; a caller whose cards are all written can do it early). `definitions`
    are PostgreSQL's dropped GIN indexes, created again by `rebuild()`."""

    def __init__(
        self, connection: Connection, stale: bool, definitions: tuple[str, ...] = ()
    ) -> None:
        self.connection, self.stale, self.definitions = connection, stale, definitions

    def rebuild(self) -> None:
        if not self.stale:
            return
        if self.definitions:
            for definition in self.definitions:  # text(): a '%' in it is no placeholder
                self.connection.execute(text(definition))
        else:
            self.connection.exec_driver_sql(
                f"INSERT INTO {CARDS_FTS} ({CARDS_FTS}) VALUES ('rebuild')"
            )
        self.stale = False


@contextmanager
def index_rebuilt_after(
    connection: Connection, *, whole_table: bool = False
) -> Iterator[CardIndex]:
    """Inside: writes to `cards` leave the text index alone (write no card after calling
    the index's `rebuild()`). After: the index matches the cards and the triggers are back.
    Needs an open transaction. PostgreSQL's index is set aside only for a caller that
    writes the `whole_table` (a restore): building it again costs seconds at 100,000
    cards, more than growing it by an import's few hundred."""
    if connection.dialect.name == "postgresql" and whole_table:
        found = [(str(n), str(d)) for n, d in connection.execute(_GIN_INDEXES)]
        quote = connection.dialect.identifier_preparer.quote
        for name, _definition in found:
            connection.exec_driver_sql(f"DROP INDEX {quote(name)}")
        gin = CardIndex(connection, bool(found), tuple(definition for _, definition in found))
        yield gin
        gin.rebuild()
        return
    if connection.dialect.name != "sqlite":
        yield CardIndex(connection, stale=False)
        return
    triggers = connection.exec_driver_sql(_TRIGGERS, (CARDS_FTS + "_*",)).all()
    for name, _sql in triggers:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    index = CardIndex(connection, stale=bool(triggers))
    yield index
    index.rebuild()
    for _name, sql in triggers:
        connection.exec_driver_sql(sql)
