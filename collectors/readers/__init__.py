"""File readers, registered by format name.

A reader turns one file into ``RawRow``s: a mapping of header to text per data row, with the
row's line number and raw text so that a refused row can be quarantined exactly as it was. A row
the reader cannot even split carries ``error`` instead of ``values``. Adding a format is one
module here and one line in ``READERS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hypercare.config import SourceConfig


class FileError(Exception):
    """A whole file cannot be read (wrong encoding, missing column…); nothing of it is stored."""


@dataclass(slots=True)
class RawRow:
    """One data row as the file holds it."""

    line: int  # physical line (1-based, header included) where the row starts
    number: int  # data-row number: 1 = first row after the header
    values: dict[str, str] | None
    raw: str
    error: str | None = None


@dataclass
class FileReading:
    """An open file being read: its header and an iterator over its rows."""

    header: list[str]
    rows: Iterator[RawRow]


@dataclass(frozen=True)
class Format:
    """A file format: the module that reads it and the columns it offers each kind by default.

    ``module`` exposes ``read(path, source) -> FileReading``; it is imported on first use.
    ``defaults`` maps kind → canonical field → column (or alternatives), used for fields the
    source does not map.
    """

    name: str
    module: str
    help: str
    defaults: dict[str, dict[str, str | tuple[str, ...]]] = field(default_factory=dict)
    # header name → day-first, for exports whose language tells the date order (a source's own
    # dates.dayfirst always wins)
    dayfirst_hints: dict[str, bool] = field(default_factory=dict)
    # the decimal mark of numbers this format writes as text (None: the source's csv.decimal)
    decimal: str | None = None

    def read(self, path: Path, source: SourceConfig) -> FileReading:
        return import_module(self.module).read(path, source)

    def default_columns(self, kind: str, name: str) -> tuple[str, ...]:
        """The columns to look for when the source does not map ``name`` (first found wins)."""
        found = self.defaults.get(kind, {}).get(name, ())
        return (found,) if isinstance(found, str) else found


READERS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("csv", "collectors.readers.csv", "comma-, semicolon- or tab-separated text"),
        Format(
            "xlsx", "collectors.readers.xlsx", "Excel workbook (.xlsx), first sheet", decimal="."
        ),
        Format(
            "jsonl",
            "collectors.readers.jsonl",
            "JSON Lines: one JSON object per line",
            defaults={
                "usage": {
                    "ts": "time_iso",
                    "user": ("user", "user.id", "userId"),
                    "action": ("action", "msg", "message"),
                },
                "errors": {
                    "ts": "time_iso",
                    "level": "level_name",
                    "module": ("module", "name", "logger"),
                    "message": ("message", "msg"),
                },
            },
            decimal=".",
        ),
        Format(
            "google-forms",
            "collectors.readers.csv",
            "Google Forms responses exported as CSV (English or French)",
            defaults={
                "survey": {
                    "submitted_at": ("Timestamp", "Horodateur", "Horodatage"),
                    "user": ("Email Address", "Email", "Adresse e-mail", "Adresse email"),
                }
            },
            dayfirst_hints={"timestamp": False, "horodateur": True, "horodatage": True},
        ),
        Format(
            "jira-csv",
            "collectors.readers.csv",
            "Jira issues exported as CSV (Cloud or Server/Data Center, all fields)",
            defaults={
                "tickets": {
                    "ref": ("Issue key", "Clé de ticket", "Key"),
                    "subject": ("Summary", "Résumé"),
                    "description": ("Description",),
                    "priority": ("Priority", "Priorité"),
                    "status": ("Status", "Statut", "État"),
                    "module": ("Component/s", "Components", "Composants"),
                    "team": ("Custom field (Team)", "Team", "Équipe"),
                    "reporter": ("Reporter Id", "Reporter", "Rapporteur"),
                    "created_at": ("Created", "Création", "Créé"),
                    "resolved_at": ("Resolved", "Résolu", "Resolution date"),
                }
            },
            dayfirst_hints={"issue key": True},
        ),
        Format(
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
        ),
        Format(
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
        ),
        Format(
            "access-log",
            "collectors.readers.access_log",
            "Apache/nginx access log (combined, or nginx main with x_forwarded_for)",
            defaults={
                "usage": {
                    "ts": "time",
                    "user": "user",
                    "feature": "feature",
                    "action": "action",
                    "status": "status",
                    "duration_ms": "duration_ms",
                    "event_id": "line_id",
                }
            },
        ),
    )
}
