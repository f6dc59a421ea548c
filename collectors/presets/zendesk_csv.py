"""Preset `zendesk-csv`: Zendesk tickets exported as CSV. See docs/sources.md."""

from collectors.formats import Format

FORMAT = Format(
    "zendesk-csv",
    "collectors.readers.csv",
    "Zendesk tickets exported as CSV (data export or view export)",
    defaults={
        "tickets": {
            "ref": ("Id", "Ticket ID", "ID"),
            "subject": ("Subject",),
            "description": ("Description",),
            "priority": ("Priority",),
            "status": ("Status",),
            "module": ("Ticket type", "Type"),
            "team": ("Group", "Organization"),
            "reporter": ("Requester email", "Requester id", "Requester"),
            "created_at": ("Created at", "Requested"),
            "resolved_at": ("Solved at",),
            "first_response_minutes": ("First reply time in minutes",),
        }
    },
)
