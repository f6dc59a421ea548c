"""Microsoft 365 "Active Users — user detail" report reader (admin center export, or the Graph
``getOffice365ActiveUserDetail`` CSV).

The report has one row per user and one ``<Product> Last Activity Date`` column per product
(Exchange, OneDrive, SharePoint, Skype For Business, Yammer, Teams, and any product a newer report
adds). Each (user, product with a last activity date) becomes one usage row: a report of 40 users
active in 3 products each gives 120 rows. So ``read`` counts activity rows, not CSV rows:

- ``number`` counts the rows this reader yields (1 = the first); ``line`` is the physical line of
  the CSV row they come from, so several rows share a line;
- a user with no activity date at all yields no row (there is no activity to count);
- a CSV row that is malformed (cannot be split, no ``User Principal Name``, a last activity date
  that is not ``yyyy-mm-dd``) yields one row with ``values=None`` naming every problem, so that it
  is quarantined with its raw text; its well-formed activity dates still yield their rows;
- an activity row's raw text is its CSV row followed by a line naming its column
  (``# Teams Last Activity Date``): two activities of one user refused later (a date in the
  future) stay two quarantine entries.

Deleted users (``Is Deleted`` true) keep their activity. A tenant that conceals user details in
reports writes a hex hash instead of the UPN and the display name: it is still a stable identifier.

Columns offered: the report's own columns, then the derived ``ts`` (the activity date,
``yyyy-mm-dd``: read as midnight in the source's time zone, so the event falls on that calendar
day), ``user`` (the UPN), ``feature`` (``exchange``, ``onedrive``, ``sharepoint``, ``skype``,
``yammer``, ``teams``, or another product's name in lower case with dashes), ``action``
(``<feature>.active``) and ``event_id`` (``<feature>|<date>``: the UPN is left out, since the
event key is an unkeyed hash and already holds the pseudonymized user).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from collectors.readers import FileError, FileReading, RawRow
from collectors.readers.csv import read_csv

if TYPE_CHECKING:
    from hypercare.config import SourceConfig

UPN = "User Principal Name"
DERIVED = ["ts", "user", "feature", "action", "event_id"]
PRODUCTS = {
    "exchange": "exchange",
    "onedrive": "onedrive",
    "sharepoint": "sharepoint",
    "skype for business": "skype",
    "yammer": "yammer",
    "teams": "teams",
}
_ACTIVITY = re.compile(r"(?P<product>.+?)\s+last\s+activity\s+date", re.IGNORECASE)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SLUG = re.compile(r"[^a-z0-9]+")


def read(path: Path, source: SourceConfig) -> FileReading:
    """The reader entry point: the CSV is read with the source's CSV options."""
    reading = read_csv(path, source.csv)
    if not reading.header:
        return reading  # an empty file has no rows
    folded = {_fold(h): h for h in reading.header}
    upn = folded.get(_fold(UPN))
    activities = [
        (column, product_slug(match["product"]))
        for column in reading.header
        if (match := _ACTIVITY.fullmatch(column.strip()))
    ]
    if upn is None or not activities:
        missing = repr(UPN) if upn is None else "'<Product> Last Activity Date'"
        shown = ", ".join(reading.header[:30])
        raise FileError(
            f"{path}: not a Microsoft 365 active users report: no {missing} column; the header "
            f"has: {shown}. Export the 'Active users — user detail' report, or use format: csv"
        )
    # a report column named like a derived one (the report has none) is hidden by it
    header = [h for h in reading.header if _fold(h) not in DERIVED] + DERIVED
    return FileReading(header=header, rows=_rows(reading.rows, upn, activities))


def product_slug(product: str) -> str:
    """``Skype For Business`` → ``skype``; a product it does not know: ``Copilot Chat`` →
    ``copilot-chat``."""
    name = " ".join(product.split()).casefold()
    return PRODUCTS.get(name) or _SLUG.sub("-", name).strip("-") or "unknown"


def activity_date(text: str) -> str | None:
    """``2026-05-31`` (a real calendar day) as written; None for anything else."""
    value = text.strip()
    if not _DATE.fullmatch(value):
        return None
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return None
    return value


def _rows(
    rows: Iterator[RawRow], upn_column: str, activities: list[tuple[str, str]]
) -> Iterator[RawRow]:
    number = 0
    for row in rows:
        if row.values is None:
            number += 1
            yield RawRow(row.line, number, None, row.raw, row.error)
            continue
        upn = row.values.get(upn_column, "").strip()
        problems = [] if upn else [f"column {UPN!r} is empty"]
        found: list[tuple[str, str, str]] = []
        for column, feature in activities:
            text = row.values.get(column, "")
            if not text.strip():
                continue  # no activity in that product
            day = activity_date(text)
            if day is None:
                problems.append(f"column {column!r}: {text.strip()!r} is not a yyyy-mm-dd date")
            elif upn:
                found.append((column, feature, day))
        if problems:
            number += 1
            yield RawRow(row.line, number, None, row.raw, "; ".join(problems))
        for column, feature, day in found:
            number += 1
            values = dict(row.values)
            values.update(
                ts=day,
                user=upn,
                feature=feature,
                action=f"{feature}.active",
                event_id=f"{feature}|{day}",
            )
            yield RawRow(row.line, number, values, f"{row.raw}\n# {column}")


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()
