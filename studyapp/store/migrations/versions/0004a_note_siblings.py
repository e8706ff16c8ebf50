"""Note siblings and Anki matching on cards; imported rows in the review log (issue 14).

Cards gain `note_id` (the note a reversed pair or the gaps of a cloze share), `template`
(basic | reverse | cloze), `ordinal` (the cloze number) and `anki_guid` (indexed: imports
and exports match notes on it). Reviews gain `imported`, true for rows of an Anki review
log, so they can be told from grades given here. Every existing row keeps its values:
a card is its own basic note, a logged grade was given here.

Revision ID: 0004a
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0004a"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild): rebuilding `reviews` would fire the ON DELETE
    # SET NULL of drill_attempts.review_id and unlink every drill attempt from its grade.
    op.add_column("cards", sa.Column("note_id", sa.String(length=100), nullable=True))
    op.add_column(
        "cards",
        sa.Column(
            "template", sa.String(length=10), nullable=False, server_default=sa.text("'basic'")
        ),
    )
    op.add_column("cards", sa.Column("ordinal", sa.SmallInteger(), nullable=True))
    op.add_column("cards", sa.Column("anki_guid", sa.String(length=100), nullable=True))
    op.create_index("ix_cards_anki_guid", "cards", ["anki_guid"])
    op.add_column(
        "reviews",
        sa.Column("imported", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("reviews") as batch:
        batch.drop_column("imported")
    op.drop_index("ix_cards_anki_guid", table_name="cards")
    with op.batch_alter_table("cards") as batch:
        batch.drop_column("anki_guid")
        batch.drop_column("ordinal")
        batch.drop_column("template")
        batch.drop_column("note_id")
