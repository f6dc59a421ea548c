"""File readers, registered by format name.

A reader turns one file into ``RawRow``s: a mapping of header to text per data row, with the
row's line number and raw text so that a refused row can be quarantined exactly as it was. A row
the reader cannot even split carries ``error`` instead of ``values``. Adding a format is one
module here and one line in ``READERS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
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


Reader = Callable[[Path, "SourceConfig"], FileReading]


def _csv_reader(path: Path, source: SourceConfig) -> FileReading:
    from collectors.readers.csv import read_csv

    return read_csv(path, source.csv)


READERS: dict[str, Reader] = {
    "csv": _csv_reader,
}
