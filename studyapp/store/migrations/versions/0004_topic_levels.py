"""Per-topic levels: drill_topics.level (1-3) and drill_attempts.level_move.

Every existing topic starts at level 1, as every drill did before; existing attempts moved
no level.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("drill_topics") as batch:
        batch.add_column(
            sa.Column("level", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
    with op.batch_alter_table("drill_attempts") as batch:
        batch.add_column(
            sa.Column("level_move", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    with op.batch_alter_table("drill_attempts") as batch:
        batch.drop_column("level_move")
    with op.batch_alter_table("drill_topics") as batch:
        batch.drop_column("level")
