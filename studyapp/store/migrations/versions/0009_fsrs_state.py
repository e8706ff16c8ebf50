"""FSRS's memory state beside SM-2's on cards and drill topics; its state before each grade
in the review log (issue 17).

Cards and drill topics gain `fsrs_stability`, `fsrs_difficulty` and `fsrs_due`: FSRS's
state, derived from the review log when the learner first switches to FSRS and kept in
step by every grade after that (NULL: not derived yet, or the item is new). Their last
review day is SM-2's `last_review`, the same day. The log gains `prev_fsrs_*`, the FSRS
state before each grade (NULL: not kept then; stability 0: the item had none), so that
undo and an override put it back exactly. `ix_cards_fsrs_due` answers FSRS's due counts
and queue as `ix_cards_due` answers SM-2's. SM-2's columns are untouched.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ACTIVE_FSRS_DUE = "NOT suspended AND NOT retired AND fsrs_due IS NOT NULL"


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild), as in 0007: rebuilding `reviews` would fire
    # the ON DELETE SET NULL of drill_attempts.review_id.
    for table in ("cards", "drill_topics"):
        op.add_column(table, sa.Column("fsrs_stability", sa.Double(), nullable=True))
        op.add_column(table, sa.Column("fsrs_difficulty", sa.Double(), nullable=True))
        op.add_column(table, sa.Column("fsrs_due", sa.Integer(), nullable=True))
    op.add_column("reviews", sa.Column("prev_fsrs_stability", sa.Double(), nullable=True))
    op.add_column("reviews", sa.Column("prev_fsrs_difficulty", sa.Double(), nullable=True))
    op.add_column("reviews", sa.Column("prev_fsrs_due", sa.Integer(), nullable=True))
    op.create_index(
        "ix_cards_fsrs_due",
        "cards",
        ["fsrs_due", "position", "deck_id"],
        sqlite_where=sa.text("suspended = 0 AND retired = 0 AND fsrs_due IS NOT NULL"),
        postgresql_where=sa.text(_ACTIVE_FSRS_DUE),
    )


def downgrade() -> None:
    op.drop_index("ix_cards_fsrs_due", table_name="cards")
    with op.batch_alter_table("reviews") as batch:
        for name in ("prev_fsrs_due", "prev_fsrs_difficulty", "prev_fsrs_stability"):
            batch.drop_column(name)
    for table in ("drill_topics", "cards"):
        with op.batch_alter_table(table) as batch:
            for name in ("fsrs_due", "fsrs_difficulty", "fsrs_stability"):
                batch.drop_column(name)
