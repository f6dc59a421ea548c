"""Preset `salesforce-eventlog`: Salesforce Event Monitoring EventLogFile CSVs (Login, URI and the
other event types sharing the common fields). See docs/sources.md."""

from collectors.formats import Format

FORMAT = Format(
    "salesforce-eventlog",
    "collectors.readers.salesforce_eventlog",
    "Salesforce Event Monitoring EventLogFile CSV (Login, URI, …)",
    defaults={
        "usage": {
            "ts": "time_iso",
            "user": "user",
            "feature": "feature",
            "action": "action",
            "outcome": "outcome",
            "duration_ms": "duration_ms",
            "event_id": "event_id",
        }
    },
    decimal=".",
)
