"""Leeches and custom study (issue 15): two marks on each review-log row.

`reviews.cram` is true for a grade given in a cram session that did not reschedule (such a
grade is also logged as a same-day repeat, so retention, the daily limits and FSRS's replay
leave it out); `reviews.leech` says what the grade did to make its card a leech (bit 1: it
tagged the card `leech`, bit 2: it suspended it), so that undoing the grade takes the leech
back exactly. Existing rows get false and 0: no grade before this made a leech.
`ix_cards_leech`, a partial index holding only the cards tagged `leech`, answers home's
leech count without reading every card.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild), as in 0007 and 0009: rebuilding `reviews` would
    # fire the ON DELETE SET NULL of drill_attempts.review_id.
    op.add_column(
        "reviews", sa.Column("cram", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "reviews",
        sa.Column("leech", sa.SmallInteger(), nullable=False, server_default=sa.text("0")),
    )
    op.create_index(
        "ix_cards_leech",
        "cards",
        ["id"],
        sqlite_where=sa.text("retired = 0 AND (' ' || tags || ' ') LIKE '% leech %'"),
        postgresql_where=sa.text("NOT retired AND (' ' || tags || ' ') LIKE '% leech %'"),
    )


def downgrade() -> None:
    op.drop_index("ix_cards_leech", table_name="cards")
    with op.batch_alter_table("reviews") as batch:
        batch.drop_column("leech")
        batch.drop_column("cram")
