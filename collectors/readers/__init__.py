"""File readers, registered by format name.

A reader turns one file into ``RawRow``s: a mapping of header to text per data row, with the
row's line number and raw text so that a refused row can be quarantined exactly as it was. A row
the reader cannot even split carries ``error`` instead of ``values``. Adding a format is one
module here and one line in ``GENERIC``; a preset for one tool's export is one module in
``collectors/presets/`` and one line in its ``MODULES``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from collectors.formats import Format


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


# The headers an aggregated error-count CSV is read by without a ``columns`` mapping (English or
# French; case and spacing do not matter).
ERROR_COUNT_COLUMNS: dict[str, str | tuple[str, ...]] = {
    "period_start": ("period_start", "start", "period", "date", "début", "debut", "période"),
    "period_end": ("period_end", "end", "fin"),
    "module": ("module", "service"),
    "requests": ("requests", "requêtes", "requetes", "appels"),
    "errors": ("errors", "erreurs"),
}

GENERIC: tuple[Format, ...] = (
    Format(
        "csv",
        "collectors.readers.csv",
        "comma-, semicolon- or tab-separated text",
        defaults={"error_counts": ERROR_COUNT_COLUMNS},
    ),
    Format("xlsx", "collectors.readers.xlsx", "Excel workbook (.xlsx), first sheet", decimal="."),
    Format("meeting-notes-md", "collectors.readers.meeting_notes_md", "meeting notes (Markdown)"),
    Format(
        "jsonl",
        "collectors.readers.jsonl",
        "JSON Lines: one JSON object per line",
        resumable=True,
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
        "sql",
        "collectors.readers.sql",
        "a query on any SQLAlchemy database, read incrementally by a watermark column",
        files=False,
    ),
    Format(
        "access-log",
        "collectors.readers.access_log",
        "Apache/nginx access log (combined, or nginx main with x_forwarded_for)",
        resumable=True,
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


def _registry() -> dict[str, Format]:
    from collectors.presets import PRESETS
    from collectors.pull import pulled_formats

    return {f.name: f for f in (*GENERIC, *PRESETS, *pulled_formats())}


READERS: dict[str, Format] = _registry()
