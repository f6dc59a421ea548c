"""Excel reader: the first sheet of an ``.xlsx`` workbook (or a named one), streamed.

openpyxl reads the workbook with ``read_only=True, data_only=True``: rows are parsed as they are
iterated (bounded memory) and a formula cell gives the value Excel last computed. The sheet's own
size record is ignored (some tools write a wrong one, which would cut rows off).

The first non-empty row is the header (trimmed; a repeated name gets a suffix, ``Nom (2)``, as in
CSV). Cells become text: empty → ``""``; a datetime → ``2026-05-31T14:03:00`` (naive: the source's
time zone applies later), or ``2026-05-31`` when its number format shows no time; a date →
``2026-05-31``; a time → ``14:03:00``; a duration → ``26:30:00``; a whole number → ``12`` (not
``12.0``); another number → its shortest form with a dot (``0.1``); a boolean → ``true``/``false``;
strings as they are. Entirely empty rows are skipped and trailing empty cells dropped.

A row holding an error cell (``#N/A``, ``#DIV/0!``…) or a value to the right of the header's last
column keeps its place but carries ``values=None`` and the reason, so that it is quarantined.
``line`` is the sheet row number (the header is its own row), ``number`` the data-row number, and
``raw`` the row's cell texts joined with ``;``.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from collectors.readers import FileError, FileReading, RawRow
from collectors.readers.csv import unique_header

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

    from hypercare.config import SourceConfig

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 .xls, or an encrypted .xlsx
_HINT = "open it in Excel or LibreOffice and save it as an Excel workbook (.xlsx)"
# A number format shows a time when it has hours or seconds outside quotes and brackets
# ([Red], [$-40C]); "m" alone is ambiguous (month or minute) and never stands without h or s.
_FORMAT_NOISE = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def read(path: Path, source: SourceConfig) -> FileReading:
    """The reader entry point: the first sheet (a ``sheet`` option of the source, once the
    config has one, names another)."""
    return read_xlsx(path, getattr(source, "sheet", None))


def read_xlsx(path: Path, sheet: str | None = None) -> FileReading:
    """Open ``path`` and its sheet (the first one by default); raises FileError when the file is
    not a readable .xlsx workbook or has no such sheet."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by _rows or below
    except OSError as exc:
        raise FileError(f"{path}: cannot open the file ({exc.strerror or exc})") from exc
    try:
        workbook = _load(path, handle)
    except BaseException:
        handle.close()
        raise
    try:
        worksheet = _pick_sheet(path, workbook, sheet)
        worksheet.reset_dimensions()
        rows = _sheet_rows(path, worksheet)
        header: list[str] = []
        header_line = 0
        for line, cells in rows:
            texts = [cell_text(value, number_format) for value, _, number_format in cells]
            if any(t.strip() for t in texts):
                header, header_line = unique_header(texts), line
                break
    except BaseException:
        workbook.close()
        handle.close()
        raise
    if not header:
        workbook.close()
        handle.close()
        return FileReading(header=[], rows=iter(()))
    return FileReading(header=header, rows=_rows(workbook, handle, rows, header, header_line))


def _load(path: Path, handle: IO[bytes]) -> Workbook:
    # A file object rather than the path: openpyxl would refuse a name not ending in .xlsx.
    try:
        return load_workbook(handle, read_only=True, data_only=True)
    except zipfile.BadZipFile as exc:
        handle.seek(0)
        reason, hint = _not_a_zip(handle.read(512))
        raise FileError(f"{path}: not an Excel .xlsx workbook ({reason}); {hint}") from exc
    except KeyError as exc:  # a zip without xl/workbook.xml: .ods, .docx, a plain archive
        reason = "a zip archive without an Excel workbook inside"
        if _is_opendocument(handle):
            reason = "it is an OpenDocument spreadsheet (.ods)"
        raise FileError(f"{path}: not an Excel .xlsx workbook ({reason}); {_HINT}") from exc
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        reason = f"{type(exc).__name__}: {exc}"[:300]
        raise FileError(f"{path}: not an Excel .xlsx workbook ({reason}); {_HINT}") from exc


def _not_a_zip(head: bytes) -> tuple[str, str]:
    """Why the file is not a zip archive, and what to do about it."""
    if head.startswith(_OLE2):
        return "it is an old Excel 97-2003 .xls file, or a password-protected workbook", (
            "remove the password if there is one, and save it as an Excel workbook (.xlsx)"
        )
    if not head:
        return "the file is empty", "export the workbook again"
    sample = head.lstrip(b"\xef\xbb\xbf")
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError:
        text = sample.decode("cp1252", errors="replace")
    if text.lstrip().lower().startswith(("<html", "<!doctype", "<?xml", "<table")):
        return "it is an HTML or XML file with an .xlsx name", _HINT
    if all(c.isprintable() or c in "\r\n\t" for c in text):
        return "it is text, a CSV export perhaps", (
            "set format: csv for this source (and name the file .csv), or " + _HINT
        )
    return "it is not a zip archive", _HINT


def _is_opendocument(handle: IO[bytes]) -> bool:
    try:
        handle.seek(0)
        with zipfile.ZipFile(handle) as archive:
            mimetype = archive.read("mimetype") if "mimetype" in archive.namelist() else b""
    except (zipfile.BadZipFile, OSError, KeyError):
        return False
    return mimetype.startswith(b"application/vnd.oasis.opendocument")


def _pick_sheet(path: Path, workbook: Workbook, sheet: str | None) -> Any:
    sheets = workbook.worksheets  # chartsheets are not in this list
    if sheet is None:
        if not sheets:
            raise FileError(f"{path}: the workbook has no worksheet")
        return sheets[0]
    for candidate in sheets:
        if candidate.title == sheet:
            return candidate
    folded = [s for s in sheets if s.title.strip().casefold() == sheet.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    names = ", ".join(repr(s.title) for s in sheets) or "none"
    raise FileError(f"{path}: the workbook has no sheet named {sheet!r}; its sheets: {names}")


def _sheet_rows(path: Path, worksheet: Any) -> Iterator[tuple[int, list[tuple[Any, str, str]]]]:
    """(sheet row number, cells) of each row, a cell being (value, data type, number format).

    A damaged sheet (bad XML, a number that is not one) raises FileError: the file is refused
    whole rather than half read.
    """
    try:
        for number, cells in enumerate(worksheet.iter_rows(min_row=1, min_col=1), start=1):
            yield (
                number,
                [
                    (
                        cell.value,
                        getattr(cell, "data_type", "n"),
                        getattr(cell, "number_format", "General"),
                    )
                    for cell in cells
                ],
            )
    except FileError:
        raise
    except Exception as exc:  # lxml/ElementTree, ValueError from openpyxl's number parsing…
        reason = f"{type(exc).__name__}: {exc}"[:300]
        raise FileError(f"{path}: the sheet {worksheet.title!r} cannot be read ({reason})") from exc


def _rows(
    workbook: Workbook,
    handle: IO[bytes],
    rows: Iterator[tuple[int, list[tuple[Any, str, str]]]],
    header: list[str],
    header_line: int,
) -> Iterator[RawRow]:
    width = len(header)
    number = 0
    try:
        for line, cells in rows:
            texts = [cell_text(value, number_format) for value, _, number_format in cells]
            while texts and not texts[-1].strip():
                texts.pop()
            if not any(t.strip() for t in texts):
                continue  # an empty row is not a row
            number += 1
            raw = ";".join(texts)
            error = next(
                (
                    f"cell {get_column_letter(index)}{line} holds the spreadsheet error {value}"
                    for index, (value, data_type, _) in enumerate(cells[: len(texts)], start=1)
                    if data_type == "e"
                ),
                None,
            )
            if error is None and len(texts) > width:
                extra = next(i for i in range(width, len(texts)) if texts[i].strip())
                error = (
                    f"cell {get_column_letter(extra + 1)}{line} holds a value but the header "
                    f"(row {header_line}) ends at column {get_column_letter(width)}"
                )
            if error is not None:
                yield RawRow(line, number, None, raw, error)
                continue
            texts += [""] * (width - len(texts))
            yield RawRow(line, number, dict(zip(header, texts[:width], strict=True)), raw)
    finally:
        workbook.close()
        handle.close()


def cell_text(value: Any, number_format: str = "General") -> str:
    """A cell's value as text (see the module docstring for each type)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        if value.time() == dt.time(0) and not _shows_time(number_format):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, dt.timedelta):
        return _duration(value)
    return str(value)


def _shows_time(number_format: str) -> bool:
    cleaned = _FORMAT_NOISE.sub("", number_format or "").lower()
    return "h" in cleaned or "s" in cleaned


def _duration(value: dt.timedelta) -> str:
    """``[h]:mm:ss`` as Excel shows a duration: 1 day 2 h 30 min → ``26:30:00``."""
    sign = "-" if value < dt.timedelta(0) else ""
    total = abs(value)
    seconds = total.days * 86400 + total.seconds
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}:{secs:02d}"
    if total.microseconds:
        text += f".{total.microseconds:06d}"
    return text
