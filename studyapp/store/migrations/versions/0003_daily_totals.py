"""Per-day review totals, so streaks, per-day counts and retention need no log scan.

Fills the new table from the existing review log, then drops the (day, quality) index of
the log, which the totals replace.

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


def downgrade() -> None:
    op.create_index("ix_reviews_day_quality", "reviews", ["day", "quality"])
    op.drop_table("daily_totals")
