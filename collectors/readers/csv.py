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
    """Feeds lines to csv.reader while keeping the text and line numbers of the current row."""

    def __init__(self, handle: io.TextIOBase) -> None:
        self.handle = handle
        self.line_no = 0
        self.pending: list[str] = []
        self.had_nul = False

    def __iter__(self) -> Iterator[str]:
        for line in self.handle:
            self.line_no += 1
            if "\0" in line:
                self.had_nul = True
                line = line.replace("\0", "")
            self.pending.append(line)
            yield line

    def take(self) -> tuple[str, bool]:
        raw = "".join(self.pending).rstrip("\r\n")
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

    def replay() -> Iterator[str]:
        yield first
        yield from lines

    reader = csv.reader(replay(), delimiter=delimiter, quotechar=options.quotechar, strict=False)
    try:
        header_cells = next(reader)
    except csv.Error as exc:
        handle.close()
        raise FileError(f"{path}: line 1: the header cannot be read ({exc})") from exc
    tape.take()
    header = unique_header(header_cells)
    return FileReading(header=header, rows=_rows(path, handle, tape, reader, header, encoding))


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
) -> Iterator[RawRow]:
    width = len(header)
    number = 0
    try:
        while True:
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
            if not cells or (len(cells) == 1 and not cells[0].strip() and width > 1):
                continue  # a blank line is not a row
            number += 1
            if had_nul:
                yield RawRow(start_line, number, None, raw, "the row contains NUL bytes")
                continue
            if len(cells) > width:
                extra = cells[width:]
                if any(c.strip() for c in extra):
                    yield RawRow(
                        start_line,
                        number,
                        None,
                        raw,
                        f"the row has {len(cells)} cells but the header has {width}",
                    )
                    continue
                cells = cells[:width]
            elif len(cells) < width:
                yield RawRow(
                    start_line,
                    number,
                    None,
                    raw,
                    f"the row has {len(cells)} cells but the header has {width}",
                )
                continue
            yield RawRow(start_line, number, dict(zip(header, cells, strict=True)), raw)
    finally:
        handle.close()
