"""error counts: requests and errors per period and module (monitoring, aggregated CSVs);
source status: each source's last run, success and error (freshness)

Revision ID: 0050_error_counts
Revises: 0020_backlog
Create Date: 2026-11-23 21:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0050_error_counts"
down_revision = "0020_backlog"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "error_counts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("count_key", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("file_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("module", sa.String(length=200), nullable=True),
        sa.Column("requests", sa.Float(), nullable=False),
        sa.Column("errors", sa.Float(), nullable=False),
        sa.Column("row_hash", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["ingest_files.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("count_key", name="uq_error_counts_key"),
    )
    op.create_index("ix_error_counts_day_module", "error_counts", ["day", "module"], unique=False)
    op.create_table(
        "error_counts_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("module", sa.String(length=200), nullable=False),
        sa.Column("requests", sa.Float(), nullable=False),
        sa.Column("errors", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("day", "last_day", "module"),
    )
    op.create_table(
        "source_status",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("source"),
    )


def downgrade() -> None:
    op.drop_table("source_status")
    op.drop_table("error_counts_daily")
    op.drop_index("ix_error_counts_day_module", table_name="error_counts")
    op.drop_table("error_counts")
