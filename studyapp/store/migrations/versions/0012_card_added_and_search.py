"""The day each card was added, and a full-text index for browse's search (issues 15, 16).

Cards gain `added`, the study day the card entered the collection, so browse can sort by
it. Existing cards get the day of their first logged grade when they have one (they were
in the collection by then), else the day of this upgrade.

On SQLite, `cards_fts` is an FTS5 external-content table over the cards' front, back and
tags with the `trigram` tokenizer: every run of three characters is indexed, so any part of
a word finds its cards ("relu" in "LeakyReLU", "soft" in "softmax", "∂L/" in a derivative)
as the old substring search did, case-insensitively and through non-ASCII text that
unicode61 would split or drop (∂, σ, ′ are not word characters to it). Three triggers keep
it in step with every insert, update and delete of `cards`, whoever writes them.

On PostgreSQL the same search is an ILIKE on the three columns, indexed by a pg_trgm GIN
index when the extension can be created (a trusted extension since PostgreSQL 13: the
database owner may create it); without it the ILIKE still works, unindexed.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_SQLITE_UP = (
    "CREATE VIRTUAL TABLE cards_fts USING fts5("
    "front, back, tags, content='cards', content_rowid='rowid', tokenize='trigram')",
    "CREATE TRIGGER cards_fts_insert AFTER INSERT ON cards BEGIN "
    "INSERT INTO cards_fts (rowid, front, back, tags) "
    "VALUES (new.rowid, new.front, new.back, new.tags); END",
    "CREATE TRIGGER cards_fts_delete AFTER DELETE ON cards BEGIN "
    "INSERT INTO cards_fts (cards_fts, rowid, front, back, tags) "
    "VALUES ('delete', old.rowid, old.front, old.back, old.tags); END",
    "CREATE TRIGGER cards_fts_update AFTER UPDATE OF front, back, tags ON cards BEGIN "
    "INSERT INTO cards_fts (cards_fts, rowid, front, back, tags) "
    "VALUES ('delete', old.rowid, old.front, old.back, old.tags); "
    "INSERT INTO cards_fts (rowid, front, back, tags) "
    "VALUES (new.rowid, new.front, new.back, new.tags); END",
    "INSERT INTO cards_fts (cards_fts) VALUES ('rebuild')",
)
_SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS cards_fts_update",
    "DROP TRIGGER IF EXISTS cards_fts_delete",
    "DROP TRIGGER IF EXISTS cards_fts_insert",
    "DROP TABLE IF EXISTS cards_fts",
)
_PG_INDEX = (
    "CREATE INDEX ix_cards_text_trgm ON cards "
    "USING gin (front gin_trgm_ops, back gin_trgm_ops, tags gin_trgm_ops)"
)


def upgrade() -> None:
    op.add_column("cards", sa.Column("added", sa.Integer(), nullable=True))
    first_grade = (
        "SELECT min(reviews.day) FROM reviews "
        "WHERE reviews.kind = 'card' AND reviews.item_id = cards.id"
    )
    op.execute(
        sa.text(f"UPDATE cards SET added = coalesce(({first_grade}), :today)").bindparams(
            today=date.today().toordinal()
        )
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in _SQLITE_UP:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        _pg_trigram_index(bind)


def _pg_trigram_index(bind: sa.Connection) -> None:
    """The trigram index, when this server lets us create pg_trgm (in a savepoint, so a
    refusal leaves the upgrade going)."""
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            bind.execute(sa.text(_PG_INDEX))
    except sa.exc.DBAPIError:
        pass


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in _SQLITE_DOWN:
            op.execute(statement)
    else:
        op.execute("DROP INDEX IF EXISTS ix_cards_text_trgm")
    with op.batch_alter_table("cards") as batch:
        batch.drop_column("added")
