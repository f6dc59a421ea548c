"""JSON Lines reader: one JSON object per line, as pino, bunyan, python-json-logger or an
``--format json`` export write them.

Streams the file twice in binary (bounded memory): a first pass collects the column names (the
union of the keys, in order of first appearance) so that the header is known before the rows, and
a second pass, stopped where the first one ended (a log still being written is read as one
snapshot), yields the rows. Each line is decoded as UTF-8; a BOM (the first line, or a line of a
concatenated file) and CRLF endings are tolerated; blank lines are not rows. ``line`` and
``number`` are both the physical line number.

Nested objects are flattened with dots (``{"user": {"id": 3}}`` → ``user.id``); lists, empty
objects and non-string scalars become their JSON text (``true``, ``12.5``, ``[1,2]``); ``null``
becomes empty text; strings are kept as they are. A line that is not a JSON object (truncated,
binary junk, an array) is a row with ``values=None`` so that it is quarantined with its raw text.

Two derived columns help map logs:

- ``time_iso``: the row's time (the first of ``time``, ``timestamp``, ``@timestamp``, ``ts``,
  ``asctime`` present) as ISO 8601 UTC when it is an epoch number — seconds up to 1e11,
  milliseconds above (pino) — otherwise its text as written (an ISO string stays as it is).
- ``level_name``: ``level`` (or ``levelname``, ``severity``, ``log.level``) as a lower-case name:
  pino/bunyan numbers become trace, debug, info, warn, error, fatal.

A key the line holds itself wins over a derived column of the same name.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from collectors.formats import Resume
from collectors.readers import FileError, FileReading, RawRow

if TYPE_CHECKING:
    from hypercare.config import SourceConfig

MAX_LINE_BYTES = 4 << 20  # a longer line is refused, and reading goes on with the next one
RAW_LIMIT = 16_000  # characters of a line's raw text kept for the quarantine
TIME_KEYS = ("time", "timestamp", "@timestamp", "ts", "asctime")
LEVEL_KEYS = ("level", "levelname", "severity", "log.level")
TIME_ISO = "time_iso"
LEVEL_NAME = "level_name"
EPOCH_MS_ABOVE = 1e11  # 1e11 seconds is the year 5138; 1e11 milliseconds is March 1973
PINO_LEVELS = {10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal"}
NOT_AN_OBJECT = "line is not a JSON object"

_BOM = b"\xef\xbb\xbf"
_JSON_SPACE = b" \t\r\n"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# NUL cannot be stored in PostgreSQL text, and a lone surrogate (from a "\ud800" escape) cannot
# be encoded at all: both become U+FFFD in keys and values.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}


class _NotAnObject(ValueError):
    """A line that holds valid JSON other than an object, or no usable JSON at all."""


def read(path: Path, source: SourceConfig, resume: Resume | None = None) -> FileReading:
    """The reader entry point: the source's options do not change how a line is read."""
    return read_jsonl(path, resume)


def read_jsonl(path: Path, resume: Resume | None = None) -> FileReading:
    """Open ``path`` as JSON Lines (from ``resume`` on); raises FileError when it cannot."""
    header: dict[str, None] = {}  # an ordered set
    end = 0
    offset, first_line = (resume.offset, resume.line) if resume else (0, 0)
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            for _, data, _ in _lines(handle, None):
                try:
                    values = parse_object(data)
                except _NotAnObject:
                    continue
                header.update(dict.fromkeys(values))
            end = handle.tell()
        handle = open(path, "rb")  # noqa: SIM115 - closed by _rows
        handle.seek(offset)
    except OSError as exc:
        raise FileError(f"{path}: cannot open the file ({exc.strerror or exc})") from exc
    return FileReading(header=list(header), rows=_rows(handle, end, first_line))


def _lines(
    handle: IO[bytes], end: int | None, first_line: int = 0
) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, bytes without BOM and line ending, too long) of each non-blank line."""
    line_no = first_line
    while end is None or handle.tell() < end:
        limit = MAX_LINE_BYTES + 1
        if end is not None:
            limit = min(limit, end - handle.tell())
        data = handle.readline(limit)
        if not data:
            return
        line_no += 1
        too_long = len(data) > MAX_LINE_BYTES and not data.endswith(b"\n")
        if too_long:
            while (end is None or handle.tell() < end) and (
                (rest := handle.readline(1 << 16)) and not rest.endswith(b"\n")
            ):
                pass  # skip the rest of the line: memory stays bounded
        data = data.rstrip(b"\n").rstrip(b"\r")
        if data.startswith(_BOM):
            data = data[len(_BOM) :]
        if not data.strip(_JSON_SPACE):
            continue  # a blank line is not a row
        yield line_no, data, too_long


def _rows(handle: IO[bytes], end: int, first_line: int = 0) -> Iterator[RawRow]:
    try:
        for line_no, data, too_long in _lines(handle, end, first_line):
            raw = _raw_text(data)
            if too_long:
                error = f"{NOT_AN_OBJECT}: the line is longer than {MAX_LINE_BYTES} bytes"
                yield RawRow(line_no, line_no, None, raw, error)
                continue
            try:
                values = parse_object(data)
            except _NotAnObject as exc:
                yield RawRow(line_no, line_no, None, raw, f"{NOT_AN_OBJECT}: {exc}")
                continue
            yield RawRow(line_no, line_no, values, raw)
    finally:
        handle.close()


def parse_object(data: bytes) -> dict[str, str]:
    """The flattened text values of one line, derived columns included.

    Raises ``_NotAnObject`` (a ValueError) with a short reason for anything but a JSON object.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _NotAnObject(
            f"byte 0x{exc.object[exc.start]:02x} at position {exc.start} is not UTF-8"
        ) from None
    try:
        # strict=False: a raw tab or other control character inside a string is kept, not refused
        parsed = json.loads(text, strict=False, parse_constant=_refuse_constant)
    except RecursionError:
        raise _NotAnObject("the JSON is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, or an integer too long to convert
        raise _NotAnObject(str(exc)) from None
    if not isinstance(parsed, dict):
        found = "null" if parsed is None else _KINDS.get(type(parsed), type(parsed).__name__)
        raise _NotAnObject(f"found {found}")
    try:
        values = flatten(parsed)
    except RecursionError:
        raise _NotAnObject("the JSON is nested too deeply") from None
    _derive(parsed, values)
    return values


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def flatten(
    obj: dict[str, Any], prefix: str = "", out: dict[str, str] | None = None
) -> dict[str, str]:
    """``{"a": {"b": 1}, "c": [1]}`` → ``{"a.b": "1", "c": "[1]"}``, every value as text."""
    if out is None:
        out = {}
    for key, value in obj.items():
        name = f"{prefix}{_storable(key)}"
        if isinstance(value, dict) and value:
            flatten(value, f"{name}.", out)
        else:
            out[name] = as_text(value)
    return out


def as_text(value: Any) -> str:
    """A JSON value as text: strings as they are, null empty, anything else its JSON text."""
    if isinstance(value, str):
        return _storable(value)
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return _storable(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def epoch_to_iso(value: float) -> str | None:
    """Epoch seconds (≤ 1e11) or milliseconds (> 1e11) as ISO 8601 UTC; None when out of range.

    ``1717171717171`` → ``2024-05-31T15:28:37.171000+00:00``.
    """
    try:
        if abs(value) > EPOCH_MS_ABOVE:
            moment = _EPOCH + dt.timedelta(milliseconds=value)
        else:
            moment = _EPOCH + dt.timedelta(seconds=value)
    except (OverflowError, ValueError):
        return None
    return moment.isoformat()


def level_name(value: Any) -> str:
    """``30`` → ``info`` (pino/bunyan); ``WARNING`` → ``warning``; other numbers as text."""
    if isinstance(value, str):
        return _storable(value).strip().lower()
    if isinstance(value, int | float) and not isinstance(value, bool) and value in PINO_LEVELS:
        return PINO_LEVELS[value]  # 30.0 finds 30
    return as_text(value)


def _derive(parsed: dict[str, Any], values: dict[str, str]) -> None:
    if TIME_ISO not in values:
        for key in TIME_KEYS:
            moment = parsed.get(key)
            if moment is None:
                continue
            iso = None
            if isinstance(moment, int | float) and not isinstance(moment, bool):
                iso = epoch_to_iso(moment)
            values[TIME_ISO] = iso if iso is not None else values.get(key, as_text(moment))
            break
    if LEVEL_NAME not in values:
        for key in LEVEL_KEYS:
            level = parsed.get(key)
            if level is None and "." in key:
                level = _nested(parsed, key)
            if level is not None and level != "":
                values[LEVEL_NAME] = level_name(level)
                break


def _nested(parsed: dict[str, Any], dotted: str) -> Any:
    found: Any = parsed
    for part in dotted.split("."):
        if not isinstance(found, dict):
            return None
        found = found.get(part)
    return found


def _storable(text: str) -> str:
    return _UNSTORABLE.sub("\ufffd", text) if _UNSTORABLE.search(text) else text


def _raw_text(data: bytes) -> str:
    """The line as text for the quarantine: undecodable bytes and control characters as
    ``\\xhh``, cut to RAW_LIMIT characters."""
    cut = len(data) > RAW_LIMIT * 4
    text = data[: RAW_LIMIT * 4].decode("utf-8", errors="backslashreplace")
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    if cut or len(text) > RAW_LIMIT:
        return text[: RAW_LIMIT - 1] + "…"
    return text
