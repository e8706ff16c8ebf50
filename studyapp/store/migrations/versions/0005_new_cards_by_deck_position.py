"""New cards indexed by (deck, position), seen cards by deck: the learning path's reads.

The queue takes each open deck's first new cards in file order; with new cards indexed by
deck alone SQLite sorted every new card of the deck (400 ms at 100,000 cards). The opening
rule counts the cards seen in each deck the path waits for; the new partial index answers
that by a seek instead of a read of every due card.

Revision ID: 0005
Revises: 0003 (re-chain to 0004, topic levels, when both are merged)
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

ACTIVE_NEW = "suspended = 0 AND retired = 0 AND due IS NULL"
PG_ACTIVE_NEW = "NOT suspended AND NOT retired AND due IS NULL"
ACTIVE_SEEN = "suspended = 0 AND retired = 0 AND due IS NOT NULL"
PG_ACTIVE_SEEN = "NOT suspended AND NOT retired AND due IS NOT NULL"


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
    op.create_index(
        "ix_cards_seen_by_deck",
        "cards",
        ["deck_id"],
        sqlite_where=sa.text(ACTIVE_SEEN),
        postgresql_where=sa.text(PG_ACTIVE_SEEN),
    )


def downgrade() -> None:
    op.drop_index("ix_cards_seen_by_deck", table_name="cards")
    op.drop_index("ix_cards_new_by_deck", table_name="cards")
    _new_by_deck(["deck_id"])
