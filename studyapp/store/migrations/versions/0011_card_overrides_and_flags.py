"""Cards the learner shapes (issue 15): overrides of bundled cards, and flags.

`card_overrides` keeps the learner's version of a bundled card (only the fields they
changed, as JSON) beside the bundled deck's current text of every field, so that a sync
of a newer bundled deck keeps their text and a revert goes back to the bundled text of
today. `card_flags` holds one open flag per card (wrong | unclear, with a note). Both
rows go with their card (ON DELETE CASCADE). No existing table is touched.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "card_overrides",
        sa.Column(
            "card_id",
            sa.String(100),
            sa.ForeignKey("cards.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("bundled", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "card_flags",
        sa.Column(
            "card_id",
            sa.String(100),
            sa.ForeignKey("cards.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("flagged_at", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("card_flags")
    op.drop_table("card_overrides")
