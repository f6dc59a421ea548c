"""Application JSON logs: python-json-logger, pino / bunyan, and Sentry event exports.

Two shapes are read:

- **JSON Lines** (one object per line): read by ``collectors.readers.jsonl`` — the same columns,
  derived ``time_iso`` and ``level_name``, line numbers and quarantine of lines that are not an
  object (a line cut short by a crash);
- **one JSON array** of objects (a Sentry export saved as ``[{...}, {...}]``, on one line or
  pretty-printed): the file is loaded whole (up to ``ARRAY_MAX_BYTES``) and each element is one
  row, read like a JSON Lines object. ``line`` and ``number`` are then both the element's index
  + 1, not a physical line. An element that is not an object is quarantined; an element that
  cannot be decoded at all (the file was cut short) ends the array: the rest of the file is one
  quarantined row, so nothing is silently dropped.

A file is read as an array when its first non-blank character is ``[``, unless its first line is
a complete JSON value followed by more lines (JSON Lines whose first line is an array: that line
is quarantined, the others read).

Derived columns, added to the header when the file has a key they come from (and no key of the
same name), each the first non-empty of its keys in that row, so that a file mixing shapes (a
Sentry ``message`` left empty beside its ``title``) still maps:

- ``log_time``: ``time_iso`` (``time``, ``timestamp``, ``@timestamp``, ``ts``, ``asctime``),
  ``dateCreated``, ``datetime``, ``dateReceived``, ``received``; an epoch number becomes ISO 8601
  UTC (seconds up to 1e11, milliseconds above);
- ``log_level``: ``level_name`` (``level``, ``levelname``, ``severity``, ``log.level``; pino
  numbers as names), else Sentry's ``level`` tag;
- ``log_module``: ``name``, ``logger``, Sentry's ``logger`` tag, ``culprit``, ``module``;
- ``log_message``: ``message``, ``msg``, ``logentry.formatted``, ``logentry.message``, ``title``,
  ``metadata.value``, ``err.message``, ``error.message``;
- ``log_user``: ``user`` (as text), ``user.id``, ``userId``, ``user.email``, ``user.username``,
  Sentry's ``user`` tag without its prefix (``email:jean@x.fr`` → ``jean@x.fr``);
- ``log_event_id``: ``event_id``, ``eventID``.

Sentry ``tags`` are read as a list of ``{"key": …, "value": …}`` (API) or of ``[key, value]``
pairs (an event's JSON).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from collectors.readers import FileError, FileReading, RawRow
from collectors.readers.jsonl import (
    LEVEL_NAME,
    TIME_ISO,
    _NotAnObject,
    _raw_text,
    epoch_to_iso,
    parse_object,
    read_jsonl,
)

if TYPE_CHECKING:
    from hypercare.config import SourceConfig

ARRAY_MAX_BYTES = 256 << 20  # an array is loaded whole; a larger export should be JSON Lines
NOT_AN_ELEMENT = "element is not a JSON object"
CUT_SHORT = "the array cannot be read from here on"
_BOM = "\ufeff"
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_SPACE = " \t\r\n"
_USER_TAG = re.compile(r"(?:id|email|username|ip):(?P<value>.+)", re.DOTALL)

DERIVED: dict[str, tuple[str, ...]] = {
    "log_time": (TIME_ISO, "dateCreated", "datetime", "dateReceived", "received"),
    "log_level": (LEVEL_NAME, "tags:level"),
    "log_module": ("name", "logger", "tags:logger", "culprit", "module"),
    "log_message": (
        "message",
        "msg",
        "logentry.formatted",
        "logentry.message",
        "title",
        "metadata.value",
        "err.message",
        "error.message",
    ),
    "log_user": (
        "user",
        "user.id",
        "userId",
        "user.email",
        "user.username",
        "tags:user",
    ),
    "log_event_id": ("event_id", "eventID"),
}
_EPOCH_KEYS = set(DERIVED["log_time"]) - {TIME_ISO}  # time_iso is already ISO when it can be


def read(path: Path, source: SourceConfig) -> FileReading:
    """The reader entry point: the source's options do not change how a log is read."""
    try:
        if _is_array(path):
            return _read_array(path)
    except OSError as exc:
        raise FileError(f"{path}: cannot open the file ({exc.strerror or exc})") from exc
    reading = read_jsonl(path)
    header, added = _with_derived(reading.header)
    return FileReading(header=header, rows=(_derive(row, added) for row in reading.rows))


def _is_array(path: Path) -> bool:
    """True when the file is one JSON array rather than JSON Lines (see the module's doc)."""
    with open(path, "rb") as handle:
        first = b""
        while not first:
            line = handle.readline(1 << 20)
            if not line:
                return False
            first = line.removeprefix(b"\xef\xbb\xbf").strip(_SPACE.encode())
        if not first.startswith(b"["):
            return False
        try:
            json.loads(first)
        except (ValueError, RecursionError):
            return True  # the array goes on past its first line, or is cut short
        while line := handle.readline(1 << 20):
            if line.strip(_SPACE.encode()):
                return False  # JSON Lines whose first line happens to be an array
        return True


def _read_array(path: Path) -> FileReading:
    size = path.stat().st_size
    if size > ARRAY_MAX_BYTES:
        raise FileError(
            f"{path}: a JSON array of {size} bytes is too large to load whole (the limit is "
            f"{ARRAY_MAX_BYTES}); export the events as JSON Lines, one object per line"
        )
    # surrogateescape: an undecodable byte survives until its element is read, and only that
    # element is quarantined
    text = path.read_bytes().decode("utf-8", errors="surrogateescape").removeprefix(_BOM)
    rows = list(_elements(text))
    keys: dict[str, None] = {}
    for row in rows:
        if row.values is not None:
            keys.update(dict.fromkeys(row.values))
    header, added = _with_derived(list(keys))
    return FileReading(header=header, rows=iter([_derive(row, added) for row in rows]))


def _elements(text: str) -> Iterator[RawRow]:
    """One row per element of the array ``text`` (which starts with ``[`` after blanks)."""
    decoder = json.JSONDecoder(strict=False)
    position = _skip_space(text, 0)
    if not text.startswith("[", position):  # the file changed since it was looked at
        yield _bad(1, text[position:], "the file is not a JSON array")
        return
    position = _skip_space(text, position + 1)
    number = 0
    if position < len(text) and text[position] == "]":
        position = _skip_space(text, position + 1)
    else:
        while True:
            number += 1
            try:
                _, end = decoder.raw_decode(text, position)
            except RecursionError:
                yield _bad(number, text[position:], f"{CUT_SHORT}: the JSON is nested too deeply")
                return
            except ValueError as exc:  # JSONDecodeError, or an integer too long to convert
                yield _bad(number, text[position:], f"{CUT_SHORT}: {exc}")
                return
            yield _element(number, text[position:end])
            position = _skip_space(text, end)
            if position < len(text) and text[position] == ",":
                position = _skip_space(text, position + 1)
                continue
            if position < len(text) and text[position] == "]":
                position = _skip_space(text, position + 1)
                break
            number += 1
            yield _bad(number, text[position:], f"{CUT_SHORT}: expected , or ] after an element")
            return
    if position < len(text):
        yield _bad(number + 1, text[position:], "extra data after the end of the array")


def _element(number: int, text: str) -> RawRow:
    data = text.encode("utf-8", errors="surrogateescape")
    raw = _raw_text(data)
    try:
        values = parse_object(data)
    except _NotAnObject as exc:
        return RawRow(number, number, None, raw, f"{NOT_AN_ELEMENT}: {exc}")
    return RawRow(number, number, values, raw)


def _bad(number: int, text: str, reason: str) -> RawRow:
    raw = _raw_text(text.rstrip(_SPACE).encode("utf-8", errors="surrogateescape"))
    return RawRow(number, number, None, raw, reason)


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in _SPACE:
        position += 1
    return position


def _with_derived(header: list[str]) -> tuple[list[str], list[str]]:
    """The header with the derived columns some key of it feeds (and it does not hold itself),
    and those derived columns."""
    present = set(header)
    added = []
    for name, wanted in DERIVED.items():
        if name in present:
            continue
        if any(w in present or (w.startswith("tags:") and "tags" in present) for w in wanted):
            added.append(name)
    return header + added, added


def _derive(row: RawRow, added: list[str]) -> RawRow:
    values = row.values
    if values is None:
        return row
    tags: dict[str, str] | None = None
    for name in added:
        for key in DERIVED[name]:
            if key.startswith("tags:"):
                if tags is None:
                    tags = sentry_tags(values.get("tags", ""))
                found = tags.get(key.removeprefix("tags:"), "")
                if key == "tags:user":
                    found = _untagged_user(found)
                elif key == "tags:level":
                    found = found.casefold()
            else:
                found = values.get(key, "")
            found = found.strip()
            if found:
                if key in _EPOCH_KEYS and _NUMBER.fullmatch(found):
                    found = epoch_to_iso(float(found)) or found
                values[name] = found
                break
    return row


def sentry_tags(text: str) -> dict[str, str]:
    """Sentry's ``tags`` (as the JSON text of a list of ``{key, value}`` or ``[key, value]``)
    as a mapping; anything else gives no tags."""
    if not text.startswith("["):
        return {}
    try:
        items = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    tags: dict[str, str] = {}
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict):
            key, value = item.get("key"), item.get("value")
        elif isinstance(item, list) and len(item) == 2:
            key, value = item
        else:
            continue
        if isinstance(key, str) and isinstance(value, str | int | float) and key not in tags:
            tags[key] = str(value)
    return tags


def _untagged_user(value: str) -> str:
    """Sentry's ``user`` tag ``email:jean@x.fr`` → ``jean@x.fr`` (``id:``, ``username:`` too)."""
    match = _USER_TAG.fullmatch(value.strip())
    return match["value"] if match else value
