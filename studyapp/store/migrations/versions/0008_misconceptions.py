"""Misconceptions as items (issue 13): the slips each drill attempt made, and the mistakes
scheduled until they stop.

Drill attempts gain `slips` (JSON: the known slip named at each checkpoint; "{}" for every
attempt stored before, whose slips were not recorded) and `mistakes_before` (JSON: the
misconception rows the attempt changed, as they were before it, for undo; NULL before).
The new table `misconceptions` holds one row per mistake the learner made; it starts empty.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild), as 0007 does.
    op.add_column(
        "drill_attempts",
        sa.Column("slips", sa.Text(), nullable=False, server_default=sa.text("'{}'")),
    )
    op.add_column("drill_attempts", sa.Column("mistakes_before", sa.Text(), nullable=True))
    op.create_table(
        "misconceptions",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("topic_id", sa.String(length=100), nullable=False),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.Integer(), nullable=False),
        sa.Column("last_seen", sa.Integer(), nullable=False),
        sa.Column("avoided_run", sa.Integer(), nullable=False),
        sa.Column("due", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("last_attempt", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("misconceptions")
    with op.batch_alter_table("drill_attempts") as batch:
        batch.drop_column("mistakes_before")
        batch.drop_column("slips")
