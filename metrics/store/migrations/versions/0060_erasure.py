"""erasure: tombstones of erased people, the log of purges and erasures, erased rows in the ledger

Revision ID: 0060_erasure
Revises: 0020_backlog
Create Date: 2026-11-23 21:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0060_erasure"
down_revision = "0020_backlog"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erased_people",
        sa.Column("person_key", sa.String(length=200), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_key"),
    )
    op.create_table(
        "erasures",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cutoff", sa.Date(), nullable=True),
        sa.Column("removed", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ingest_files") as batch:
        batch.add_column(sa.Column("erased", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("ingest_files") as batch:
        batch.drop_column("erased")
    op.drop_table("erasures")
    op.drop_table("erased_people")
