"""The first schema: decks, cards, drill topics, the review log and drill attempts.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "decks",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("retired", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "drill_topics",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("suspended", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("easiness", sa.SmallInteger(), server_default=sa.text("250"), nullable=False),
        sa.Column("repetitions", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("interval", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("due", sa.Integer(), nullable=True),
        sa.Column("lapses", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_review", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("item_id", sa.String(length=100), nullable=False),
        sa.Column("reviewed_at", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("repeat", sa.Boolean(), nullable=False),
        sa.Column("prev_easiness", sa.SmallInteger(), nullable=False),
        sa.Column("prev_repetitions", sa.Integer(), nullable=False),
        sa.Column("prev_interval", sa.Integer(), nullable=False),
        sa.Column("prev_due", sa.Integer(), nullable=True),
        sa.Column("prev_lapses", sa.Integer(), nullable=False),
        sa.Column("prev_last_review", sa.Integer(), nullable=True),
        sa.Column("easiness", sa.SmallInteger(), nullable=False),
        sa.Column("repetitions", sa.Integer(), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("due", sa.Integer(), nullable=True),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index("ix_reviews_day_quality", ["day", "quality"], unique=False)

    op.create_table(
        "cards",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("deck_id", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("front", sa.Text(), nullable=False),
        sa.Column("back", sa.Text(), nullable=False),
        sa.Column("mnemonic", sa.Text(), nullable=True),
        sa.Column("why", sa.Text(), nullable=True),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("suspended", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("retired", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("easiness", sa.SmallInteger(), server_default=sa.text("250"), nullable=False),
        sa.Column("repetitions", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("interval", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("due", sa.Integer(), nullable=True),
        sa.Column("lapses", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_review", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["deck_id"], ["decks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cards_active_due",
            ["deck_id", "due"],
            unique=False,
            sqlite_where=sa.text("suspended = 0 AND retired = 0"),
            postgresql_where=sa.text("NOT suspended AND NOT retired"),
        )
        batch_op.create_index(
            "ix_cards_due",
            ["due"],
            unique=False,
            sqlite_where=sa.text("suspended = 0 AND retired = 0 AND due IS NOT NULL"),
            postgresql_where=sa.text("NOT suspended AND NOT retired AND due IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_cards_new",
            ["position"],
            unique=False,
            sqlite_where=sa.text("suspended = 0 AND retired = 0 AND due IS NULL"),
            postgresql_where=sa.text("NOT suspended AND NOT retired AND due IS NULL"),
        )

    op.create_table(
        "drill_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("topic_id", sa.String(length=100), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("difficulty", sa.Integer(), nullable=False),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("expected", sa.Text(), nullable=False),
        sa.Column("typed", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("hint_used", sa.Boolean(), nullable=False),
        sa.Column("attempted_at", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("drill_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_drill_attempts_topic_day", ["topic_id", "day"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("drill_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_drill_attempts_topic_day")

    op.drop_table("drill_attempts")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_cards_new",
            sqlite_where=sa.text("suspended = 0 AND retired = 0 AND due IS NULL"),
            postgresql_where=sa.text("NOT suspended AND NOT retired AND due IS NULL"),
        )
        batch_op.drop_index(
            "ix_cards_due",
            sqlite_where=sa.text("suspended = 0 AND retired = 0 AND due IS NOT NULL"),
            postgresql_where=sa.text("NOT suspended AND NOT retired AND due IS NOT NULL"),
        )
        batch_op.drop_index(
            "ix_cards_active_due",
            sqlite_where=sa.text("suspended = 0 AND retired = 0"),
            postgresql_where=sa.text("NOT suspended AND NOT retired"),
        )

    op.drop_table("cards")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_reviews_day_quality")

    op.drop_table("reviews")
    op.drop_table("drill_topics")
    op.drop_table("decks")
