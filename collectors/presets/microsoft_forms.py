"""Preset `microsoft-forms`: Microsoft Forms responses ("Open in Excel"). See docs/sources.md.

The workbook is read like ``xlsx``; the file fails when it has no ``ID`` column (the response id)
and the source maps no ``columns.ref``. An anonymous form writes ``anonymous`` as the respondent:
that response has no user.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from collectors.formats import Format

if TYPE_CHECKING:
    from collectors.readers import FileReading
    from hypercare.config import SourceConfig

FORMAT = Format(
    "microsoft-forms",
    "collectors.presets.microsoft_forms",
    "Microsoft Forms responses downloaded as an Excel workbook (English or French)",
    defaults={
        "survey": {
            "ref": ("ID",),
            "submitted_at": ("Completion time", "Heure de fin"),
            "user": ("Email", "Adresse de messagerie", "Adresse e-mail"),
        }
    },
    # Times are date cells (read whatever the language); these only help a workbook whose times
    # were saved as text.
    dayfirst_hints={"completion time": False, "heure de fin": True},
    decimal=".",
    default_values={"survey": {"user": {"anonymous": None, "anonyme": None}}},
)


def read(path: Path, source: SourceConfig) -> FileReading:
    """The reader entry point: the ``xlsx`` reader, refusing a file without its ``ID`` column."""
    from collectors.readers import xlsx
    from collectors.readers.surveymonkey_csv import require_column

    reading = xlsx.read(path, source)
    require_column(reading, path, source, "ref")
    return reading
