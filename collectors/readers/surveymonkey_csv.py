"""SurveyMonkey "All responses data" export (CSV, or the same as an .xlsx workbook).

The export has two header rows. Row 1 holds the question text; an empty cell continues the
question to its left (the rows of a matrix, the options of a multiple-choice question). Row 2
holds the sub-question or answer label: ``Response`` or ``Open-Ended Response`` for a single
answer, else the matrix row or the option. Both rows are merged into one name per column: the
question alone when its label is empty, ``Response`` or ``Open-Ended Response``, else
``"<question> - <label>"``. The metadata columns (``Respondent ID``, ``Collector ID``, ``Start
Date``, ``End Date``, ``IP Address``, ``Email Address``, ``First Name``, ``Last Name``, ``Custom
Data 1``) have an empty label and keep their name.

Data rows start on the third row; line numbers stay physical (the first data row of a CSV
without multi-line cells is line 3). A file that starts with a zip signature is read as a
workbook (its first sheet, or the source's ``sheet``); anything else as CSV with the source's
``csv`` options. The file fails when the response id column (``Respondent ID``) is missing and
the source maps no ``columns.ref``.
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from collectors.readers import FileError, FileReading
from collectors.readers import csv as csv_reader
from collectors.readers import xlsx as xlsx_reader

if TYPE_CHECKING:
    from hypercare.config import SourceConfig

_ZIP = b"PK\x03\x04"
# Row-2 labels that name no sub-question: the column is the question itself.
_PLAIN_LABELS = frozenset({"response", "open-ended response"})


def merge_header(questions: list[str], labels: list[str]) -> list[str]:
    """One name per column from SurveyMonkey's two header rows (see the module docstring)."""
    names = []
    current = ""
    for index in range(max(len(questions), len(labels))):
        question = " ".join(questions[index].split()) if index < len(questions) else ""
        label = " ".join(labels[index].split()) if index < len(labels) else ""
        if question:
            current = question
        if not current:
            names.append(label)
        elif not label or label.casefold() in _PLAIN_LABELS:
            names.append(current)
        else:
            names.append(f"{current} - {label}")
    return names


def read(path: Path, source: SourceConfig) -> FileReading:
    """The reader entry point: the CSV or workbook export at ``path``."""
    try:
        with open(path, "rb") as handle:
            is_workbook = handle.read(4) == _ZIP
    except OSError as exc:
        raise FileError(f"{path}: cannot open the file ({exc.strerror or exc})") from exc
    reading = _read_xlsx(path, source) if is_workbook else _read_csv(path, source)
    require_column(reading, path, source, "ref")
    return reading


def _read_csv(path: Path, source: SourceConfig) -> FileReading:
    options = source.csv
    encoding = options.encoding
    if encoding == "auto":
        encoding = csv_reader.detect_encoding(path)
    elif encoding == "utf-8":
        encoding = "utf-8-sig"  # a BOM is never part of the first header name
    try:
        handle = open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed by _rows
    except OSError as exc:
        raise FileError(f"{path}: cannot open the file ({exc.strerror})") from exc
    tape = csv_reader._LineTape(handle)
    lines = iter(tape)
    try:
        first = next(lines, None)
        if first is None:
            handle.close()
            return FileReading(header=[], rows=iter(()))
        delimiter = options.delimiter or csv_reader.sniff_delimiter(first)

        def replay() -> Iterator[str]:
            yield first
            yield from lines

        reader = csv.reader(
            replay(), delimiter=delimiter, quotechar=options.quotechar, strict=False
        )
        questions = next(reader)
        tape.take()
        labels = next(reader, [])
        tape.take()
    except UnicodeDecodeError as exc:
        handle.close()
        raise FileError(csv_reader._decode_message(path, encoding, exc)) from exc
    except csv.Error as exc:
        handle.close()
        raise FileError(f"{path}: the two header rows cannot be read ({exc})") from exc
    header = csv_reader.unique_header(merge_header(questions, labels))
    rows = csv_reader._rows(path, handle, tape, reader, header, encoding)
    return FileReading(header=header, rows=rows)


def _read_xlsx(path: Path, source: SourceConfig) -> FileReading:
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by xlsx _rows or below
    except OSError as exc:
        raise FileError(f"{path}: cannot open the file ({exc.strerror or exc})") from exc
    try:
        workbook = xlsx_reader._load(path, handle)
    except BaseException:
        handle.close()
        raise
    try:
        worksheet = xlsx_reader._pick_sheet(path, workbook, getattr(source, "sheet", None))
        worksheet.reset_dimensions()
        rows = xlsx_reader._sheet_rows(path, worksheet)
        questions: list[str] = []
        question_line = 0
        for line, cells in rows:
            texts = _texts(cells)
            if any(t.strip() for t in texts):
                questions, question_line = texts, line
                break
        labels: list[str] = []
        pending: list[tuple[int, list[Any]]] = []
        for line, cells in rows:
            if line == question_line + 1:
                labels = _texts(cells)
            else:  # an empty second row the sheet did not even store: this is data
                pending.append((line, cells))
            break
    except BaseException:
        workbook.close()
        handle.close()
        raise
    if not questions:
        workbook.close()
        handle.close()
        return FileReading(header=[], rows=iter(()))
    header = csv_reader.unique_header(merge_header(questions, labels))

    def data() -> Iterator[tuple[int, list[Any]]]:
        yield from pending
        yield from rows

    header_line = question_line + 1
    return FileReading(
        header=header, rows=xlsx_reader._rows(workbook, handle, data(), header, header_line)
    )


def _texts(cells: list[tuple[Any, str, str]]) -> list[str]:
    return [xlsx_reader.cell_text(value, number_format) for value, _, number_format in cells]


def require_column(reading: FileReading, path: Path, source: SourceConfig, name: str) -> None:
    """Fail the file when none of the preset's default columns for field ``name`` is in its
    header and the source maps none: the key of a survey export (its response id).

    Shared by the survey presets whose exports carry a response id; the file is closed before
    FileError is raised.
    """
    from collectors.readers import READERS

    fmt = READERS.get(source.format)
    names = fmt.default_columns(source.kind, name) if fmt is not None else ()
    if not reading.header or not names or source.columns.get(name):
        return
    folded = {" ".join(h.split()).casefold() for h in reading.header}
    if any(" ".join(n.split()).casefold() in folded for n in names):
        return
    close_reading(reading)
    shown = ", ".join(reading.header[:30])
    raise FileError(
        f"{path}: column {names[0]!r} (columns.{name}) not in the header; the header has: "
        f"{shown}. Fix {source.key_path}.columns, or check that the file is a {source.format} "
        "export"
    )


def close_reading(reading: FileReading) -> None:
    """Close the file behind ``reading``: its row generator closes it once started."""
    with contextlib.suppress(Exception):  # the file is being refused anyway
        next(reading.rows, None)
    close = getattr(reading.rows, "close", None)
    if close is not None:
        close()
