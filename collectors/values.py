"""Small pure functions that turn exported text into typed values.

Each raises ``ValueError`` with a sentence a person understands; the collectors turn that into a
quarantine reason. Dates accept what French and English tools export: ISO 8601, ``dd/mm/yyyy``
(day-first) or ``mm/dd/yyyy``, with or without seconds, ``h:mm AM`` clocks and ``dd/MMM/yy``
month names as Jira writes them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from zoneinfo import ZoneInfo

_TRUE = {"true", "yes", "y", "oui", "o", "vrai", "1", "x", "on"}
_FALSE = {"false", "no", "n", "non", "faux", "0", "", "off"}
_OK = {"ok", "success", "succès", "succes", "réussi", "reussi", "done", "true", "1", "passed"}
_ERROR = {"error", "erreur", "failed", "failure", "échec", "echec", "ko", "fail", "false", "0"}

_DATE_PARTS = ("%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y")
_MONTH_FIRST = ("%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y")
_TIME_PARTS = (
    "",
    " %H:%M:%S",
    " %H:%M",
    " %H:%M:%S.%f",
    " %I:%M %p",
    " %I:%M:%S %p",
    "T%H:%M:%S",
    " %H:%M:%S %z",
    " %H:%M %z",
)
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_MIN_YEAR, _MAX_YEAR = 1000, 9998


def parse_bool(text: str) -> bool:
    """``Oui``/``Non``, ``yes``/``no``, ``true``/``false``, ``1``/``0``, ``x``/empty."""
    folded = text.strip().casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(f"{text!r} is not a yes/no value (expected e.g. Oui/Non, yes/no, 1/0)")


def parse_outcome(text: str) -> str | None:
    """Normalize an outcome to ``ok`` or ``error`` (empty means no outcome)."""
    folded = text.strip().casefold()
    if not folded:
        return None
    if folded in _OK:
        return "ok"
    if folded in _ERROR:
        return "error"
    raise ValueError(f"{text!r} is not a known outcome (expected ok or error, or map it in values)")


def parse_number(text: str, decimal: str = ".") -> float | None:
    """A number written with ``decimal`` as decimal mark; spaces and thin spaces group digits.

    Empty text is None. With a decimal comma, dots are read as thousands separators.
    """
    cleaned = _SPACES.sub("", text)
    if not cleaned:
        return None
    if decimal == ",":
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a number")
    return value


def _candidate_formats(dayfirst: bool) -> list[str]:
    dates = _DATE_PARTS + _MONTH_FIRST if dayfirst else _MONTH_FIRST + _DATE_PARTS
    dates = (*dates, "%d/%b/%y", "%d/%b/%Y", "%d-%b-%Y", "%Y/%m/%d")
    return [d + t for d in dates for t in _TIME_PARTS]


# Common formats parsed without strptime (about ten times faster on large files): the regex
# takes the fields, datetime() validates them. Each pattern's groups come in the order year,
# month, day[, hour, minute[, second]], so that they go to datetime() as they are.
_D, _M, _Y, _H, _MI, _S = (
    r"(\d{1,2})",
    r"(\d{1,2})",
    r"(\d{4})",
    r"(\d{1,2})",
    r"(\d{2})",
    r"(\d{2})",
)
_FAST: dict[str, tuple[re.Pattern[str], tuple[int, ...]]] = {
    # format: (pattern, the group index of year, month, day, hour, minute, second)
    "%d/%m/%Y %H:%M:%S": (re.compile(rf"{_D}/{_M}/{_Y} {_H}:{_MI}:{_S}"), (2, 1, 0, 3, 4, 5)),
    "%d/%m/%Y %H:%M": (re.compile(rf"{_D}/{_M}/{_Y} {_H}:{_MI}"), (2, 1, 0, 3, 4)),
    "%d/%m/%Y": (re.compile(rf"{_D}/{_M}/{_Y}"), (2, 1, 0)),
    "%m/%d/%Y %H:%M:%S": (re.compile(rf"{_M}/{_D}/{_Y} {_H}:{_MI}:{_S}"), (2, 0, 1, 3, 4, 5)),
    "%m/%d/%Y": (re.compile(rf"{_M}/{_D}/{_Y}"), (2, 0, 1)),
}


def _fast_parse(fmt: str, value: str) -> dt.datetime | None:
    known = _FAST.get(fmt)
    if known is None:
        return None
    match = known[0].fullmatch(value)
    if match is None:
        return None
    groups = match.groups()
    try:
        return dt.datetime(*[int(groups[i]) for i in known[1]])
    except ValueError:
        return None  # strptime gives the error message


class DateParser:
    """Parses the dates of one column, remembering the format that worked last (fast path).

    Naive times are taken in ``source_tz``; the result is an aware datetime. ``fmt`` forces an
    explicit ``strptime`` format.
    """

    def __init__(self, *, dayfirst: bool, fmt: str | None, source_tz: ZoneInfo) -> None:
        self.fmt = fmt
        self.source_tz = source_tz
        self._formats = [fmt] if fmt else _candidate_formats(dayfirst)
        self._last: str | None = fmt

    def parse(self, text: str) -> dt.datetime:
        value = text.strip()
        if not value:
            raise ValueError("the date is empty")
        fast = _FAST.get(self._last) if self._last is not None else None
        if fast is not None:  # the common shapes, straight to an aware datetime
            match = fast[0].fullmatch(value)
            if match is not None:
                groups = match.groups()
                try:
                    moment = dt.datetime(*[int(groups[i]) for i in fast[1]], tzinfo=self.source_tz)
                except ValueError:
                    moment = None  # the slow path below gives the error message
                if moment is not None and _MIN_YEAR <= moment.year <= _MAX_YEAR:
                    return moment
        parsed = self._parse_naive_or_aware(value)
        if parsed.tzinfo is None:
            # fold=0: an ambiguous autumn hour is read as the first one, deterministically.
            parsed = parsed.replace(tzinfo=self.source_tz)
        if not _MIN_YEAR <= parsed.year <= _MAX_YEAR:
            # Converting 0001-01-01 or 9999-12-31 between zones overflows Python's datetime.
            raise ValueError(f"{value!r} is not a date between {_MIN_YEAR} and {_MAX_YEAR}")
        return parsed

    def _parse_naive_or_aware(self, value: str) -> dt.datetime:
        if self._last is not None:
            fast = _fast_parse(self._last, value)
            if fast is not None:
                return fast
            try:
                return dt.datetime.strptime(value, self._last)
            except ValueError:
                if self.fmt:
                    raise ValueError(
                        f"{value!r} does not match the date format {self.fmt!r}"
                    ) from None
        if not self.fmt and value[:4].isdigit() and len(value) >= 10 and value[4] in "-/":
            try:
                return dt.datetime.fromisoformat(value.replace("/", "-").replace("Z", "+00:00"))
            except ValueError:
                pass
        for candidate in self._formats:
            try:
                parsed = dt.datetime.strptime(value, candidate)
            except ValueError:
                continue
            self._last = candidate
            return parsed
        raise ValueError(f"{value!r} is not a date this source understands{self._hint(value)}")

    @staticmethod
    def _hint(value: str) -> str:
        match = re.match(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})", value)
        if match:
            day, month = int(match.group(1)), int(match.group(2))
            if (max(day, month) > 12 and min(day, month) <= 12) or day > 31:
                return " (no such day)"
            if day <= 31 and month <= 12:
                return " (no such day in that month)"
        return " (set dates.format in the source config if it is unusual)"


def parse_date(text: str, *, dayfirst: bool, fmt: str | None = None) -> dt.date:
    """A calendar date (times, if any, are ignored)."""
    return DateParser(dayfirst=dayfirst, fmt=fmt, source_tz=ZoneInfo("UTC")).parse(text).date()


_LEVELS = {
    "trace": "debug",
    "debug": "debug",
    "info": "info",
    "information": "info",
    "notice": "info",
    "warn": "warning",
    "warning": "warning",
    "avertissement": "warning",
    "attention": "warning",
    "error": "error",
    "err": "error",
    "erreur": "error",
    "exception": "error",
    "critical": "critical",
    "crit": "critical",
    "critique": "critical",
    "fatal": "critical",
    "alert": "critical",
    "emerg": "critical",
    "emergency": "critical",
}
# pino / bunyan numeric levels; syslog severities 0-7 are not guessed (ambiguous).
_NUMERIC_LEVELS = {10: "debug", 20: "debug", 30: "info", 40: "warning", 50: "error", 60: "critical"}
LEVEL_RANK = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}


def parse_level(text: str) -> str:
    """A log level normalized to debug, info, warning, error or critical.

    Reads Python (``WARNING``), pino/bunyan numbers (``50``), Sentry (``fatal``) and French
    (``erreur``) names.
    """
    folded = text.strip().casefold()
    if folded in _LEVELS:
        return _LEVELS[folded]
    try:
        number = int(float(folded))
    except (ValueError, OverflowError):  # "1e309" is a float, infinite: int() overflows
        number = None
    if number in _NUMERIC_LEVELS:
        return _NUMERIC_LEVELS[number]
    raise ValueError(f"{text!r} is not a log level (expected e.g. INFO, WARNING, ERROR, 50)")
