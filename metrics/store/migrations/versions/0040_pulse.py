"""pulse surveys: the used rights to answer a round

Revision ID: 0040_pulse
Revises: 0020_backlog
Create Date: 2026-11-23 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0040_pulse"
down_revision = "0020_backlog"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pulse_uses",
        sa.Column("use_key", sa.String(length=64), nullable=False),
        sa.Column("round_key", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("use_key"),
    )
    with op.batch_alter_table("pulse_uses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pulse_uses_round_key"), ["round_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pulse_uses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pulse_uses_round_key"))
    op.drop_table("pulse_uses")
