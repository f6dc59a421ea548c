"""Typeform responses CSV: the ``csv`` reader, with its ``(UTC)`` times made explicit.

Typeform writes ``Start Date (UTC)``, ``Submit Date (UTC)`` (and ``Stage Date (UTC)``) as naive
``2026-05-31 22:30:00`` in UTC. Every column whose name ends with ``(UTC)`` is rewritten to ISO
8601 with an offset (``2026-05-31T22:30:00+00:00``), so that the source's ``dates.timezone`` (or
the company's) does not apply to them; a value that is not such a time is left as written, for
the date parser to judge. A row's raw text (kept for the quarantine) is the file's. The file
fails when the response id column (``#``) is missing and the source maps no ``columns.ref``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from collectors.readers import FileReading, RawRow
from collectors.readers import csv as csv_reader
from collectors.readers.surveymonkey_csv import require_column

if TYPE_CHECKING:
    from hypercare.config import SourceConfig

_NAIVE_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?")


def as_utc(text: str) -> str:
    """``2026-05-31 22:30:00`` → ``2026-05-31T22:30:00+00:00``; other text is returned as is."""
    value = text.strip()
    if _NAIVE_ISO.fullmatch(value):
        return value.replace(" ", "T", 1) + "+00:00"
    return text


def read(path: Path, source: SourceConfig) -> FileReading:
    """The reader entry point: ``csv`` with the source's options, then UTC times made explicit."""
    reading = csv_reader.read(path, source)
    require_column(reading, path, source, "ref")
    utc = [name for name in reading.header if name.casefold().endswith("(utc)")]
    if not utc:
        return reading
    return FileReading(header=reading.header, rows=_in_utc(reading.rows, utc))


def _in_utc(rows: Iterator[RawRow], columns: list[str]) -> Iterator[RawRow]:
    try:
        for row in rows:
            if row.values is not None:
                for column in columns:
                    row.values[column] = as_utc(row.values[column])
            yield row
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
