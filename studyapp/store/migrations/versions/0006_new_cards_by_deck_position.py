"""New cards indexed by (deck, position): the learning path's queue reads.

The queue takes each open deck's first new cards in file order; with new cards indexed by
deck alone SQLite sorted every new card of the deck (400 ms at 100,000 cards). (The opening
rule's count of the cards seen in a deck seeks `ix_cards_seen_by_deck`, made by 0005.)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ACTIVE_NEW = "suspended = 0 AND retired = 0 AND due IS NULL"
PG_ACTIVE_NEW = "NOT suspended AND NOT retired AND due IS NULL"


def _new_by_deck(columns: list[str]) -> None:
    op.create_index(
        "ix_cards_new_by_deck",
        "cards",
        columns,
        sqlite_where=sa.text(ACTIVE_NEW),
        postgresql_where=sa.text(PG_ACTIVE_NEW),
    )


def upgrade() -> None:
    op.drop_index("ix_cards_new_by_deck", table_name="cards")
    _new_by_deck(["deck_id", "position"])


def downgrade() -> None:
    op.drop_index("ix_cards_new_by_deck", table_name="cards")
    _new_by_deck(["deck_id"])
