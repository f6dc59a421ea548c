"""Preset `freshdesk-csv`: Freshdesk tickets exported as CSV. See docs/sources.md."""

from collectors.formats import Format

FORMAT = Format(
    "freshdesk-csv",
    "collectors.readers.csv",
    "Freshdesk tickets exported as CSV",
    defaults={
        "tickets": {
            "ref": ("Ticket ID", "Ticket Id"),
            "subject": ("Subject",),
            "description": ("Description",),
            "priority": ("Priority",),
            "status": ("Status",),
            "module": ("Product", "Type"),
            "team": ("Group", "Company Name"),
            "reporter": ("Email", "Contact ID"),
            "created_at": ("Created time",),
            "first_response_at": ("Initial response time",),
            "resolved_at": ("Resolved time", "Closed time"),
        }
    },
)
