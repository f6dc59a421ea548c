"""Normalizing values before the two sides are compared.

A legacy export and the new tool's database rarely agree on types: an amount is a float in one,
a ``NUMERIC`` in the other and ``"12,50"`` in a CSV; a date-time is naive in one and carries its
offset in the other; an empty cell is ``''`` here and ``NULL`` there. Each column gets one type
(declared under ``types:``, else inferred from the values both sides return) and every value is
turned into that type's normal form:

* **text**: Unicode NFC, spaces trimmed at both ends; empty text is NULL.
* **number**: a ``Decimal`` rounded to ``decimals`` places (6 by default: float noise such as
  ``0.30000000000000004`` disappears); text is read with the side's decimal mark (``auto``: a lone
  comma is the decimal mark, and with both marks the last one is); ``€``/``EUR`` are ignored.
* **date**: a calendar date; **datetime**: an aware UTC date-time, naive values being taken in
  the side's zone (``timezone``, default the section's, then the config's).
* **bool**: ``true``/``false`` from booleans, 0/1 and yes/no words (``Oui``/``Non``…).

A value that cannot be read as its column's type is kept as :class:`Unparsed` so that the row
shows as changed instead of crashing the run. :func:`canon` gives the text that is hashed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from collectors.values import DateParser, parse_bool
from metrics.reconcile_spec import Condition, GroupExpr

TEXT, NUMBER, DATE, DATETIME, BOOL = "text", "number", "date", "datetime", "bool"
_LABEL = {
    TEXT: "text",
    NUMBER: "numbers",
    DATE: "dates",
    DATETIME: "date-times",
    BOOL: "yes/no values",
}
_UTC = dt.UTC
_CTX = Context(prec=80)
_CURRENCY = re.compile(r"^(?:€|EUR|\$|USD|£|GBP)\s*|\s*(?:€|EUR|\$|USD|£|GBP)$", re.IGNORECASE)
_GROUPING = re.compile(r"[\s\u00a0\u202f'’_]")
_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


class TypeProblem(Exception):
    """A column whose two sides cannot be compared (a user-facing message)."""


@dataclass(frozen=True, slots=True)
class Unparsed:
    """A value that is not of its column's type (``abc`` in a number column)."""

    text: str


@dataclass
class SideContext:
    """How one side writes values: its zone for naive times, day-first dates, decimal mark."""

    tz: ZoneInfo
    dayfirst: bool = True
    date_format: str | None = None
    decimal: str | None = None  # None: auto
    decimals: int = 6

    def __post_init__(self) -> None:
        self.parser = DateParser(dayfirst=self.dayfirst, fmt=self.date_format, source_tz=self.tz)
        self.quantum = Decimal(1).scaleb(-self.decimals)


def category(value: Any) -> str | None:
    """The kind of a value as a driver returns it: None, bool, number, date, datetime or text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int | float | Decimal):
        return NUMBER
    if isinstance(value, dt.datetime):
        return DATETIME
    if isinstance(value, dt.date):
        return DATE
    return TEXT


def decimal_text(value: Decimal) -> str:
    """``Decimal('12.500')`` → ``12.5``, ``Decimal('1E+2')`` → ``100``, ``-0`` → ``0``."""
    if value == 0:
        return "0"
    return format(value.normalize(_CTX), "f")


def canon(value: Any) -> str | None:
    """The text of a normalized value that is hashed and compared (None stays None)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dt.date):  # datetime included: ISO 8601 in UTC
        return value.isoformat()
    if isinstance(value, Unparsed):
        return "?" + value.text
    return str(value)


def jsonable(value: Any) -> Any:
    """A normalized value for JSON: numbers as floats, dates as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Unparsed):
        return value.text
    return value


def parse_decimal(text: str, decimal: str | None = None) -> Decimal | None:
    """A number written as text (``12,50``, ``1 234,5 €``, ``1,234.50``); None if it is not one."""
    cleaned = _GROUPING.sub("", _CURRENCY.sub("", text.strip()))
    if decimal == ",":
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif decimal == ".":
        cleaned = cleaned.replace(",", "")
    elif "," in cleaned and "." in cleaned:
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    elif "," in cleaned:
        cleaned = cleaned.replace(",", "")
    if not _NUMBER.match(cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern already refused it
        return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def to_text(value: Any, ctx: SideContext) -> Any:
    if _blank(value):
        return None
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip() or None
    if isinstance(value, bool | Decimal | int | float | dt.date):
        normalized = to_number(value, ctx) if category(value) == NUMBER else value
        return canon(normalized)
    return unicodedata.normalize("NFC", str(value)).strip() or None


def to_number(value: Any, ctx: SideContext) -> Any:
    if _blank(value):
        return None
    if isinstance(value, bool):
        number = Decimal(int(value))
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return Unparsed(repr(value))
        number = Decimal(repr(value))
    elif isinstance(value, Decimal):
        if value.is_nan():
            return None
        if value.is_infinite():
            return Unparsed(str(value))
        number = value
    elif isinstance(value, str):
        parsed = parse_decimal(value, ctx.decimal)
        if parsed is None:
            return Unparsed(value.strip())
        number = parsed
    else:
        return Unparsed(str(value))
    try:
        return number.quantize(ctx.quantum, rounding=ROUND_HALF_UP, context=_CTX)
    except InvalidOperation:
        return number


def to_datetime(value: Any, ctx: SideContext) -> Any:
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=ctx.tz)
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(), ctx.tz)
    elif isinstance(value, str):
        try:
            moment = ctx.parser.parse(value)
        except ValueError:
            return Unparsed(value.strip())
    else:
        return Unparsed(str(value))
    return moment.astimezone(_UTC)


def to_date(value: Any, ctx: SideContext) -> Any:
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return (value.astimezone(ctx.tz) if value.tzinfo else value).date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
        try:
            moment = ctx.parser.parse(text)
        except ValueError:
            return Unparsed(text)
        return moment.astimezone(ctx.tz).date()
    return Unparsed(str(value))


def to_bool(value: Any, ctx: SideContext) -> Any:
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal) and value in (0, 1):
        return bool(value)
    try:
        return parse_bool(str(value))
    except ValueError:
        return Unparsed(str(value).strip())


NORMALIZERS: dict[str, Callable[[Any, SideContext], Any]] = {
    TEXT: to_text,
    NUMBER: to_number,
    DATE: to_date,
    DATETIME: to_datetime,
    BOOL: to_bool,
}


def resolve_type(
    column: str,
    declared: str | None,
    samples: dict[str, list[Any]],
    contexts: dict[str, SideContext],
) -> str:
    """The type ``column`` is compared as: declared, else inferred from both sides' values.

    Values that are not text decide (a date on one side makes the text of the other side read as
    dates); when both sides return only text, the column is text. Raises TypeProblem when the
    sides hold types that cannot be compared, or text that does not read as the column's type.
    """
    kinds = {side: {category(v) for v in values} - {None, TEXT} for side, values in samples.items()}
    if declared:
        chosen = declared
    else:
        natives = set().union(*kinds.values())
        if not natives:
            chosen = _iso_dates(samples)
        elif natives <= {DATE, DATETIME}:
            chosen = DATETIME if DATETIME in natives else DATE
        elif natives == {NUMBER}:
            chosen = NUMBER
        elif BOOL in natives and natives <= {BOOL, NUMBER} and _zero_or_one(samples):
            chosen = BOOL
        else:
            found = " and ".join(
                f"the {side} side holds {', '.join(_LABEL[k] for k in sorted(ks)) or 'text'}"
                for side, ks in kinds.items()
            )
            raise TypeProblem(
                f"column {column!r} cannot be compared: {found}; fix a query or declare the "
                f"column under types: ({', '.join(NORMALIZERS)})"
            )
    normalize = NORMALIZERS[chosen]
    for side, values in samples.items():
        for value in values:
            if chosen == TEXT or _blank(value):
                continue
            if isinstance(normalize(value, contexts[side]), Unparsed):
                origin = "declared" if declared else "as the other side holds"
                raise TypeProblem(
                    f"column {column!r} is compared as {_LABEL[chosen]} ({origin}), but the "
                    f"{side} side has {value!r}, which is not one; fix the query or the "
                    "export, or declare the column as text under types:"
                )
    return chosen


def _iso_dates(samples: dict[str, list[Any]]) -> str:
    """Text only on both sides: dates when every value is an ISO 8601 date (date-times when one
    has a time), else text."""
    texts = [v.strip() for vs in samples.values() for v in vs if not _blank(v)]
    if not texts or not all(_ISO_DATE.match(t) for t in texts):
        return TEXT
    return DATETIME if any(len(t) > 10 for t in texts) else DATE


def _zero_or_one(samples: dict[str, list[Any]]) -> bool:
    """Whether every number sampled is 0 or 1 (booleans as SQLite stores them)."""
    return all(v in (0, 1) for vs in samples.values() for v in vs if category(v) == NUMBER)


def compile_where(
    conditions: Iterable[Condition], types: dict[str, str], ctx: SideContext
) -> Callable[[dict[str, Any]], bool]:
    """A predicate on a normalized row; the condition's values are normalized like the column."""
    tests: list[Callable[[dict[str, Any]], bool]] = []
    for cond in conditions:
        normalize = NORMALIZERS[types.get(cond.column, TEXT)]
        operands = cond.value if cond.op in ("in", "not_in") else (cond.value,)
        values = [normalize(v, ctx) for v in operands]
        bad = [v for v in values if isinstance(v, Unparsed)]
        if bad:
            raise TypeProblem(
                f"where: {cond.column} {cond.op} {bad[0].text!r}: not one of the "
                f"{_LABEL[types.get(cond.column, TEXT)]} of that column"
            )
        tests.append(_test(cond.column, cond.op, values))
    return lambda row: all(test(row) for test in tests)


def _test(column: str, op: str, values: list[Any]) -> Callable[[dict[str, Any]], bool]:
    if op in ("in", "not_in"):
        wanted = {canon(v) for v in values}
        if op == "in":
            return lambda row: canon(row[column]) in wanted
        return lambda row: canon(row[column]) not in wanted
    target = values[0]
    if op == "eq":
        return lambda row: canon(row[column]) == canon(target)
    if op == "ne":
        return lambda row: canon(row[column]) != canon(target)

    def ordered(row: dict[str, Any]) -> bool:
        value = row[column]
        if value is None or target is None or isinstance(value, Unparsed):
            return False
        try:
            if op == "lt":
                return value < target
            if op == "le":
                return value <= target
            if op == "gt":
                return value > target
            return value >= target
        except TypeError:
            return False

    return ordered


def group_value(expr: GroupExpr, value: Any, tz: ZoneInfo) -> str | None:
    """The group a normalized value falls in: ``month(d)`` → ``2026-05``, ``year`` → ``2026``…"""
    if value is None or expr.function is None or isinstance(value, Unparsed):
        return canon(value)
    day = value.astimezone(tz).date() if isinstance(value, dt.datetime) else value
    if expr.function == "year":
        return f"{day.year:04d}"
    if expr.function == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    if expr.function == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def encoding_change(a: str | None, b: str | None) -> bool:
    """Whether two texts differ by an encoding accident: UTF-8 read as cp1252/latin-1
    (``SociÃ©tÃ©`` for ``Société``), or accents replaced by ``?`` or ``�``."""
    if not a or not b or a == b:
        return False
    for x, y in ((a, b), (b, a)):
        for encoding in ("cp1252", "latin-1"):
            try:
                if unicodedata.normalize("NFC", x.encode(encoding).decode("utf-8")) == y:
                    return True
            except UnicodeError:
                continue
        if len(x) == len(y) and all(
            cx == cy or (cx in "?\ufffd" and not cy.isascii()) for cx, cy in zip(x, y, strict=True)
        ):
            return True
    return False
