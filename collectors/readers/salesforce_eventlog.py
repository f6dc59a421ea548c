"""Salesforce Event Monitoring reader: the CSV of an ``EventLogFile`` (``Login``, ``URI`` and the
other event types sharing the common fields).

Reads the file like ``csv`` (one row per CSV row, same line numbers and quarantine of rows that
cannot be split) and adds derived columns, each only when the file has a column it comes from and
no column of the same name (ignoring case) itself:

- ``time_iso``: ``TIMESTAMP_DERIVED`` (``2026-05-31T14:03:04.123Z``) as written, else
  ``TIMESTAMP`` (``20260531140304.123``, always UTC) as ISO 8601 with ``+00:00`` — left as is
  when it has not that shape, for the date parser to refuse;
- ``user``: ``USER_ID_DERIVED`` (the 18-character id), else ``USER_ID`` turned into its
  18-character form: a 15-character id is case-sensitive (``005…AbC`` and ``005…aBc`` are two
  users) while identifiers are compared ignoring case, and the two forms of one id must give one
  person;
- ``feature``: ``EVENT_TYPE`` in lower case (``login``, ``uri``);
- ``action``: ``login``, ``logout`` or ``loginas`` for those events, else the ``URI`` without its
  query string and with record ids (15 or 18 characters), numbers and UUIDs as ``{id}``:
  ``/lightning/r/Account/001.../view`` → ``/lightning/r/Account/{id}/view``;
- ``outcome``: from ``LOGIN_STATUS`` when there is one (``LOGIN_NO_ERROR`` → ok, any other code
  → no outcome: a refused login is the user's doing, like an HTTP 4xx), else ``REQUEST_STATUS``
  (``S`` → ok; ``F`` failure → error; ``A`` authorization error, ``U``, ``R``, ``N`` and empty →
  no outcome);
- ``duration_ms``: ``RUN_TIME`` (milliseconds);
- ``event_id``: ``REQUEST_ID``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from collectors.readers import FileReading, RawRow
from collectors.readers.access_log import normalize_path
from collectors.readers.csv import read_csv

if TYPE_CHECKING:
    from hypercare.config import SourceConfig

_COMPACT = re.compile(
    r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})(?P<f>\.\d{1,6})?"
)
_RECORD_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
_DIGIT = re.compile(r"\d")
_ID_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
LOGIN_EVENTS = {"login", "logout", "loginas"}
REQUEST_OUTCOMES = {"s": "ok", "f": "error"}  # A (authorization), U, R, N: no outcome


def read(path: Path, source: SourceConfig) -> FileReading:
    """The reader entry point: the CSV is read with the source's CSV options."""
    reading = read_csv(path, source.csv)
    if not reading.header:
        return reading
    by_folded = {h.strip().casefold(): h for h in reading.header}

    def column(name: str) -> str | None:
        return by_folded.get(name.casefold())

    sources = {
        "time_iso": ("TIMESTAMP_DERIVED", "TIMESTAMP"),
        "user": ("USER_ID_DERIVED", "USER_ID"),
        "feature": ("EVENT_TYPE",),
        "action": ("EVENT_TYPE", "URI"),
        "outcome": ("LOGIN_STATUS", "REQUEST_STATUS"),
        "duration_ms": ("RUN_TIME",),
        "event_id": ("REQUEST_ID",),
    }
    derived = [
        name
        for name, wanted in sources.items()
        if name not in by_folded and any(column(w) for w in wanted)
    ]
    if not derived:
        return reading
    get = {name: column(name) for names in sources.values() for name in names}
    return FileReading(header=reading.header + derived, rows=_rows(reading.rows, derived, get))


def _rows(
    rows: Iterator[RawRow], derived: list[str], columns: dict[str, str | None]
) -> Iterator[RawRow]:
    for row in rows:
        if row.values is not None:
            values = row.values

            def cell(name: str, values: dict[str, str] = values) -> str:
                found = columns.get(name)
                return values.get(found, "").strip() if found else ""

            for name in derived:
                values[name] = DERIVE[name](cell)
        yield row


def iso_time(cell: Callable[[str], str]) -> str:
    derived = cell("TIMESTAMP_DERIVED")
    if derived:
        return derived
    return compact_to_iso(cell("TIMESTAMP"))


def compact_to_iso(text: str) -> str:
    """``20260531140304.123`` (UTC) → ``2026-05-31T14:03:04.123+00:00``; other text as it is."""
    match = _COMPACT.fullmatch(text.strip())
    if match is None:
        return text
    return (
        f"{match['y']}-{match['m']}-{match['d']}T{match['H']}:{match['M']}:{match['S']}"
        f"{match['f'] or ''}+00:00"
    )


def user_id(cell: Callable[[str], str]) -> str:
    return cell("USER_ID_DERIVED") or id18(cell("USER_ID"))


def id18(text: str) -> str:
    """A 15-character Salesforce id with its 3-character case suffix (``005…`` → ``005…AAA``),
    so that it is unique ignoring case; any other text as it is."""
    if len(text) != 15 or not text.isascii() or not text.isalnum():
        return text
    suffix = ""
    for start in range(0, 15, 5):
        bits = sum(1 << i for i, c in enumerate(text[start : start + 5]) if "A" <= c <= "Z")
        suffix += _ID_SUFFIX[bits]
    return text + suffix


def feature(cell: Callable[[str], str]) -> str:
    return cell("EVENT_TYPE").casefold()


def action(cell: Callable[[str], str]) -> str:
    event = cell("EVENT_TYPE").casefold()
    if event in LOGIN_EVENTS:
        return event
    return normalize_uri(cell("URI"))


def normalize_uri(uri: str) -> str:
    """The URI without query string or fragment, record ids, numbers and UUIDs as ``{id}``."""
    path = uri.split("?", 1)[0].split("#", 1)[0]
    segments = [
        "{id}" if _RECORD_ID.fullmatch(s) and _DIGIT.search(s) else s for s in path.split("/")
    ]
    return normalize_path("/".join(segments))


def outcome(cell: Callable[[str], str]) -> str:
    login = cell("LOGIN_STATUS")
    if login:
        # A refused login (a wrong password, a locked account) is the user's doing, like an
        # HTTP 4xx: neither a success nor an error of the tool, counted apart by its status.
        return "ok" if login.upper() == "LOGIN_NO_ERROR" else ""
    return REQUEST_OUTCOMES.get(cell("REQUEST_STATUS").casefold(), "")


DERIVE: dict[str, Callable[[Callable[[str], str]], str]] = {
    "time_iso": iso_time,
    "user": user_id,
    "feature": feature,
    "action": action,
    "outcome": outcome,
    "duration_ms": lambda cell: cell("RUN_TIME"),
    "event_id": lambda cell: cell("REQUEST_ID"),
}
