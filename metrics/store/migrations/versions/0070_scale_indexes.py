"""scale indexes: usage_daily by person then day; joins the 0040, 0050 and 0060 branches

Revision ID: 0070_scale_indexes
Revises: 0040_pulse, 0050_error_counts, 0060_erasure
Create Date: 2026-11-23 23:20:00
"""

from alembic import op

revision = "0070_scale_indexes"
down_revision = ("0040_pulse", "0050_error_counts", "0060_erasure")
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Each person's first active day (activation, time to first use, lifecycle) read per person
    # instead of scanning the whole rollup once per person (issue 7: seconds at 10 M events).
    op.create_index("ix_usage_daily_person_day", "usage_daily", ["person_key", "day"])


def downgrade() -> None:
    op.drop_index("ix_usage_daily_person_day", table_name="usage_daily")
