"""rollup durations: usage_daily_feature keeps its events' durations

Revision ID: 0080_rollup_durations
Revises: 0070_scale_indexes
Create Date: 2026-11-24 00:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0080_rollup_durations"
down_revision = "0070_scale_indexes"
branch_labels = None
depends_on = None

# The same text as metrics.rollups.durations_text, written out so that this migration does not
# change when that module does.
_DURATIONS = {
    "postgresql": "string_agg(CAST(e.duration_ms AS TEXT), ',')",
    "sqlite": (
        "group_concat(CASE WHEN e.duration_ms IS NOT NULL "
        "THEN printf('%!.17g', e.duration_ms) END, ',')"
    ),
}


def upgrade() -> None:
    # The 95th percentile of durations over 30 days read every event of the window (seconds at
    # 10 M events, issue 7); it now reads these texts, one per person, day, feature and action.
    op.add_column("usage_daily_feature", sa.Column("durations", sa.Text(), nullable=True))
    durations = _DURATIONS[op.get_bind().dialect.name]
    # Rebuilt whole from the events (the rows' counts are recomputed by the same grouping).
    op.execute("DELETE FROM usage_daily_feature")
    op.execute(
        f"""
        INSERT INTO usage_daily_feature
            (day, person_key, feature, action, events, ok_events, error_events, durations)
        SELECT e.day, COALESCE(a.person_key, e.user_key), COALESCE(e.feature, ''),
               COALESCE(e.action, ''), COUNT(*),
               SUM(CASE WHEN e.outcome = 'ok' THEN 1 ELSE 0 END),
               SUM(CASE WHEN e.outcome = 'error' THEN 1 ELSE 0 END),
               {durations}
        FROM usage_events e LEFT JOIN person_aliases a ON a.alias_key = e.user_key
        GROUP BY e.day, COALESCE(a.person_key, e.user_key), COALESCE(e.feature, ''),
                 COALESCE(e.action, '')
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("usage_daily_feature") as batch:
        batch.drop_column("durations")
