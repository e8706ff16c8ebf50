"""Per-day review totals, and covering indexes for the home screen's counts.

Fills the new table from the existing review log, then drops the (day, quality) index of
the log, which the totals replace. Due cards are indexed by (due, position, deck_id,
repetitions, interval) and new cards by deck, so the home counts, the queue, the forecast
and card maturity are answered from indexes alone.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daily_totals",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("graded", sa.Integer(), nullable=False),
        sa.Column("graded_correct", sa.Integer(), nullable=False),
        sa.Column("new_seen", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "kind"),
    )
    op.execute(
        """
        INSERT INTO daily_totals
            (day, kind, reviews, correct, graded, graded_correct, new_seen, duration_ms)
        SELECT day, kind, count(*),
               sum(CASE WHEN quality >= 3 THEN 1 ELSE 0 END),
               sum(CASE WHEN NOT repeat THEN 1 ELSE 0 END),
               sum(CASE WHEN NOT repeat AND quality >= 3 THEN 1 ELSE 0 END),
               sum(CASE WHEN NOT repeat AND prev_due IS NULL THEN 1 ELSE 0 END),
               coalesce(sum(duration_ms), 0)
        FROM reviews GROUP BY day, kind
        """
    )
    op.drop_index("ix_reviews_day_quality", table_name="reviews")
    active_due = "suspended = 0 AND retired = 0 AND due IS NOT NULL"
    active_new = "suspended = 0 AND retired = 0 AND due IS NULL"
    pg_active_due = "NOT suspended AND NOT retired AND due IS NOT NULL"
    pg_active_new = "NOT suspended AND NOT retired AND due IS NULL"
    op.drop_index("ix_cards_due", table_name="cards")
    op.drop_index("ix_cards_active_due", table_name="cards")
    op.create_index(
        "ix_cards_due",
        "cards",
        ["due", "position", "deck_id", "repetitions", "interval"],
        sqlite_where=sa.text(active_due),
        postgresql_where=sa.text(pg_active_due),
    )
    op.create_index(
        "ix_cards_new_by_deck",
        "cards",
        ["deck_id"],
        sqlite_where=sa.text(active_new),
        postgresql_where=sa.text(pg_active_new),
    )


def downgrade() -> None:
    op.drop_index("ix_cards_new_by_deck", table_name="cards")
    op.drop_index("ix_cards_due", table_name="cards")
    op.create_index(
        "ix_cards_active_due",
        "cards",
        ["deck_id", "due"],
        sqlite_where=sa.text("suspended = 0 AND retired = 0"),
        postgresql_where=sa.text("NOT suspended AND NOT retired"),
    )
    op.create_index(
        "ix_cards_due",
        "cards",
        ["due"],
        sqlite_where=sa.text("suspended = 0 AND retired = 0 AND due IS NOT NULL"),
        postgresql_where=sa.text("NOT suspended AND NOT retired AND due IS NOT NULL"),
    )
    op.create_index("ix_reviews_day_quality", "reviews", ["day", "quality"])
    op.drop_table("daily_totals")
