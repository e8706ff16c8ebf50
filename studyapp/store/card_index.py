"""Rewriting many cards at once without keeping browse's text index in step card by card.

On SQLite three triggers keep `cards_fts` (migration 0012) in step with every write to
`cards`: right for the app's single edits, but at a restore's 100,000 cards the index takes
seven times longer to grow one card at a time than to be built once from the finished
table. `index_rebuilt_after` sets the triggers aside for a bulk write and rebuilds the index
once the cards are written. The triggers are read back from the database itself, so they
come back exactly as the migration made them; all of it runs inside the caller's
transaction, so a rollback leaves triggers and index as they were. Other databases keep
their own index (PostgreSQL's pg_trgm GIN index follows the rows itself): nothing to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from studyapp.store.schema import CARDS_FTS

_TRIGGERS = (
    "SELECT name, sql FROM sqlite_master "
    "WHERE type = 'trigger' AND tbl_name = 'cards' AND name GLOB ? ORDER BY name"
)


class CardIndex:
    """The text index while its triggers are set aside: `rebuild()` builds it from the
    cards as they are now (once; a caller whose cards are all written can do it early)."""

    def __init__(self, connection: Connection, stale: bool) -> None:
        self.connection, self.stale = connection, stale

    def rebuild(self) -> None:
        if self.stale:
            self.connection.exec_driver_sql(
                f"INSERT INTO {CARDS_FTS} ({CARDS_FTS}) VALUES ('rebuild')"
            )
            self.stale = False


@contextmanager
def index_rebuilt_after(connection: Connection) -> Iterator[CardIndex]:
    """Inside: writes to `cards` leave the text index alone (write no card after calling
    the index's `rebuild()`). After: the index matches the cards and the triggers are back.
    Needs an open transaction."""
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
