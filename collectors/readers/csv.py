"""CSV reader: any delimiter, the encodings French tools export, quoted multi-line cells.

Streams the file (bounded memory), keeps each row's starting line and raw text, detects the
encoding (BOM, UTF-8, else cp1252) and the delimiter (from the header line) when the source does
not set them. Duplicate header names get a suffix (``Name``, ``Name (2)``); empty trailing
header cells are ignored, and so are empty extra cells of a row.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from collectors.readers import FileError, FileReading, RawRow

if TYPE_CHECKING:
    from hypercare.config import CsvOptions, SourceConfig

csv.field_size_limit(16 * 1024 * 1024)
_DELIMITERS = (";", ",", "\t", "|")


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` with a BOM, ``utf-8`` when the whole file decodes as such, else cp1252.

    cp1252 leaves five bytes undefined; a file using them is read as latin-1.
    """
    with open(path, "rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("cp1252")()
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            return "cp1252"
        except UnicodeDecodeError:
            return "latin-1"


def sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter seen most often outside quotes in the header line."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def unique_header(cells: list[str]) -> list[str]:
    """Trim header cells, drop empty trailing ones, and suffix repeated names: ``X``, ``X (2)``."""
    names = [c.strip() for c in cells]
    while names and not names[-1]:
        names.pop()
    seen: dict[str, int] = {}
    out = []
    for index, name in enumerate(names):
        base = name or f"column {index + 1}"
        count = seen.get(base, 0) + 1
        seen[base] = count
        out.append(base if count == 1 else f"{base} ({count})")
    return out


class _LineTape:
    """Feeds lines to csv.reader while keeping the text and line numbers of the current row.

    ``lines`` is the file's own line iterator: the fast path of ``_rows`` reads it directly and
    hands a line it cannot split itself back with ``push``, so that csv.reader starts from it.
    """

    def __init__(self, handle: io.TextIOBase) -> None:
        self.handle = handle
        self.lines = iter(handle)
        self.line_no = 0
        self.pending: list[str] = []
        self.had_nul = False
        self.pushed: str | None = None

    def push(self, line: str) -> None:
        """Give back a line already read (and counted) for csv.reader to read next."""
        self.pushed = line

    def __iter__(self) -> Iterator[str]:
        while True:
            if self.pushed is not None:
                line, self.pushed = self.pushed, None
            else:
                line = next(self.lines, None)
                if line is None:
                    return
                self.line_no += 1
            if "\0" in line:
                self.had_nul = True
                line = line.replace("\0", "")
            self.pending.append(line)
            yield line

    def take(self) -> tuple[str, bool]:
        pending = self.pending
        raw = (pending[0] if len(pending) == 1 else "".join(pending)).rstrip("\r\n")
        had_nul = self.had_nul
        self.pending = []
        self.had_nul = False
        return raw, had_nul


def read(path: Path, source: SourceConfig) -> FileReading:
    """The reader entry point: ``read_csv`` with the source's CSV options."""
    return read_csv(path, source.csv)


def read_csv(path: Path, options: CsvOptions) -> FileReading:
    """Open ``path`` as CSV with ``options``; raises FileError when it cannot be read at all."""
    encoding = options.encoding
    if encoding == "auto":
        encoding = detect_encoding(path)
    elif encoding == "utf-8":
        encoding = "utf-8-sig"  # a BOM is never part of the first header name
    try:
        handle = open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed by _rows
    except OSError as exc:
        raise FileError(f"{path}: cannot open the file ({exc.strerror})") from exc
    tape = _LineTape(handle)
    try:
        lines = iter(tape)
        first = next(lines, None)
    except UnicodeDecodeError as exc:
        handle.close()
        raise FileError(_decode_message(path, encoding, exc)) from exc
    if first is None:
        handle.close()
        return FileReading(header=[], rows=iter(()))
    delimiter = options.delimiter or sniff_delimiter(first)

    reader = csv.reader(
        itertools.chain((first,), lines),
        delimiter=delimiter,
        quotechar=options.quotechar,
        strict=False,
    )
    try:
        header_cells = next(reader)
    except csv.Error as exc:
        handle.close()
        raise FileError(f"{path}: line 1: the header cannot be read ({exc})") from exc
    tape.take()
    header = unique_header(header_cells)
    rows = _rows(path, handle, tape, reader, header, encoding, delimiter, options.quotechar)
    return FileReading(header=header, rows=rows)


def _decode_message(path: Path, encoding: str, exc: UnicodeDecodeError) -> str:
    return (
        f"{path}: the file is not {encoding} text (byte 0x{exc.object[exc.start]:02x} cannot be "
        "decoded); set csv.encoding to the file's encoding (utf-8, utf-8-sig, cp1252, latin-1) "
        "or to auto"
    )


def _rows(
    path: Path,
    handle: io.TextIOBase,
    tape: _LineTape,
    reader: Iterator[list[str]],
    header: list[str],
    encoding: str,
    delimiter: str = ",",
    quotechar: str | None = '"',
) -> Iterator[RawRow]:
    width = len(header)
    number = 0
    # A line without the quote character, a NUL or a huge field is split as csv.reader would
    # split it (strict=False, no escape character), without it: most rows of a large export.
    # Any other line is handed back to csv.reader, which may read the lines after it.
    fast = bool(quotechar) and len(delimiter) == 1
    limit = csv.field_size_limit()
    lines = tape.lines
    try:
        while True:
            if fast:
                try:
                    line = next(lines)
                except StopIteration:
                    return
                except UnicodeDecodeError as exc:
                    raise FileError(_decode_message(path, encoding, exc)) from exc
                tape.line_no += 1
                if quotechar not in line and "\0" not in line and len(line) <= limit:
                    raw = line.rstrip("\r\n")
                    cells = raw.split(delimiter) if raw else []
                    row = _row(tape.line_no, number + 1, raw, cells, header, width)
                    if row is not None:
                        number += 1
                        yield row
                    continue
                tape.push(line)
                start_line = tape.line_no  # the line handed back is already counted
            else:
                start_line = tape.line_no + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raw, _ = tape.take()
                number += 1
                yield RawRow(start_line, number, None, raw, f"the CSV row cannot be split ({exc})")
                continue
            except UnicodeDecodeError as exc:
                raise FileError(_decode_message(path, encoding, exc)) from exc
            raw, had_nul = tape.take()
            start_line = tape.line_no - raw.count("\n")
            if had_nul:
                if not cells or (len(cells) == 1 and not cells[0].strip() and width > 1):
                    continue  # a blank line is not a row
                number += 1
                yield RawRow(start_line, number, None, raw, "the row contains NUL bytes")
                continue
            row = _row(start_line, number + 1, raw, cells, header, width)
            if row is not None:
                number += 1
                yield row
    finally:
        handle.close()


def _row(
    line: int, number: int, raw: str, cells: list[str], header: list[str], width: int
) -> RawRow | None:
    """The row of ``cells`` (None for a blank line), or a row refused for its cell count."""
    if not cells or (len(cells) == 1 and not cells[0].strip() and width > 1):
        return None  # a blank line is not a row
    if len(cells) > width:
        if any(c.strip() for c in cells[width:]):
            return RawRow(
                line,
                number,
                None,
                raw,
                f"the row has {len(cells)} cells but the header has {width}",
            )
        cells = cells[:width]
    elif len(cells) < width:
        return RawRow(
            line, number, None, raw, f"the row has {len(cells)} cells but the header has {width}"
        )
    return RawRow(line, number, dict(zip(header, cells, strict=True)), raw)
