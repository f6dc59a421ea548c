"""Preset `m365-active-users`: the Microsoft 365 "Active Users — user detail" report (CSV), one
usage event per user and product with a last activity date. See docs/sources.md."""

from collectors.formats import Format

FORMAT = Format(
    "m365-active-users",
    "collectors.readers.m365_active_users",
    "Microsoft 365 Active Users — user detail report (admin center or Graph CSV)",
    defaults={
        "usage": {
            "ts": "ts",
            "user": "user",
            "feature": "feature",
            "action": "action",
            "event_id": "event_id",
        }
    },
)
