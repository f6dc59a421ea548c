"""Preset `limesurvey`: LimeSurvey "Export responses" as CSV, question codes as headings.

See docs/sources.md. Read like ``csv``, with two LimeSurvey habits handled:

- an unfinished response has an empty ``submitdate``: it is stored as incomplete;
- a survey without date stamps writes ``1980-01-01 00:00:00`` as the ``submitdate`` of every
  finished response: that is no time (the response is stored without one), yet the response is
  complete.

A derived column, ``complete (submitdate)`` (``yes`` when ``submitdate`` is not empty, ``no``
otherwise), carries the completeness; the file fails when it has no ``id`` column and the source
maps no ``columns.ref``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from collectors.formats import Format

if TYPE_CHECKING:
    from collectors.readers import FileReading, RawRow
    from hypercare.config import SourceConfig

COMPLETE_COLUMN = "complete (submitdate)"
# What LimeSurvey writes as submitdate when the survey keeps no date stamps.
NO_DATESTAMP = "1980-01-01 00:00:00"

FORMAT = Format(
    "limesurvey",
    "collectors.presets.limesurvey",
    "LimeSurvey responses exported as CSV (question codes as headings)",
    defaults={
        "survey": {
            "ref": ("id",),
            "submitted_at": ("submitdate",),
            "user": ("token",),
            "complete": (COMPLETE_COLUMN,),
        }
    },
    decimal=".",
)


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def read(path: Path, source: SourceConfig) -> FileReading:
    """The reader entry point: ``csv``, plus the derived completeness column."""
    from collectors.readers import FileReading
    from collectors.readers import csv as csv_reader
    from collectors.readers.surveymonkey_csv import require_column

    reading = csv_reader.read(path, source)
    require_column(reading, path, source, "ref")
    by_folded = {_folded(name): name for name in reading.header}
    wanted = source.columns.get("submitted_at") or "submitdate"
    submit = by_folded.get(_folded(wanted))
    if submit is None or _folded(COMPLETE_COLUMN) in by_folded:
        return reading
    header = [*reading.header, COMPLETE_COLUMN]
    return FileReading(header=header, rows=_with_complete(reading.rows, submit))


def _with_complete(rows: Iterator[RawRow], submit: str) -> Iterator[RawRow]:
    try:
        for row in rows:
            if row.values is not None:
                submitted = row.values.get(submit, "").strip()
                if submitted == NO_DATESTAMP:
                    row.values[submit] = ""
                row.values[COMPLETE_COLUMN] = "yes" if submitted else "no"
            yield row
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
