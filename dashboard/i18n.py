"""The dashboard's words in French and English, and the formatting of its numbers and dates.

KPI names are not here: they come from the KPI registry (``metrics.kpis.KPIS[code].label``), so
the dashboard, the CLI report and the glossary always agree. Numbers, percentages and dates go
through ``hypercare.formatting`` (``74 %`` with a narrow no-break space, ``31/05/2026``).
"""

from __future__ import annotations

import datetime as dt

from dashboard.strings import STRINGS as _STRINGS
from hypercare.formatting import (
    MONTHS_FR,
    NARROW_NBSP,
    format_date,
    format_kpi,
    format_number,
    format_percent,
)
from metrics.kpis import KPIS

LOCALES = ("fr", "en")

#: Every UI string, per language (``dashboard/strings.py``).
STRINGS = _STRINGS


def t(key: str, locale: str, **params: object) -> str:
    """The UI string ``key`` in ``locale`` (French for an unknown locale), with ``params`` filled.

    A key missing from a locale falls back to French, then to the key itself, so that a
    forgotten translation shows up as text rather than as a crash.
    """
    strings = STRINGS.get(locale, STRINGS["fr"])
    text = strings.get(key) or STRINGS["fr"].get(key) or key
    return text.format(**params) if params else text


def kpi_label(code: str, locale: str) -> str:
    """A KPI's name, from the KPI registry (a reconcile alert's "KPI" is the audit)."""
    if code not in KPIS:
        return t(f"kpi_{code}", locale)
    return KPIS[code].label(locale)


def kpi_help(code: str, locale: str) -> str:
    """A KPI's formula in words, from the KPI registry (used as a tooltip)."""
    return KPIS[code].formula(locale)


def kpi_value(code: str, value: float | None, locale: str) -> str:
    """A KPI value as its unit reads (``74 %``, ``1 234``, ``12,5``; NPS signed: ``−13``)."""
    if value is None:
        return "—"
    if code == "nps":
        sign = "+" if value > 0 else "−" if value < 0 else ""
        return sign + format_number(abs(value), locale)
    return format_kpi(value, KPIS[code].unit if code in KPIS else "count", locale)


def percent(value: float | None, locale: str) -> str:
    """A 0–1 ratio as a whole percentage (``78 %``, ``78%``); one decimal under 10 %."""
    decimals = 1 if value is not None and abs(value) < 0.1 else 0
    return format_percent(value, locale, decimals)


def number(value: float | None, locale: str) -> str:
    """A whole number (``1 234`` in French)."""
    return format_number(value, locale)


def date(value: dt.date | None, locale: str) -> str:
    """``31/05/2026`` in French, ``2026-05-31`` in English."""
    return format_date(value, locale)


def points(change: float | None, locale: str) -> str | None:
    """A change between two ratios in percentage points: ``+6 pts``, ``−1,2 pt``, ``0 pt``."""
    if change is None:
        return None
    value = round(change * 100, 1)
    decimals = 0 if value == int(value) else 1
    sign = "+" if value > 0 else "−" if value < 0 else ""
    text = format_number(abs(value), locale, decimals)
    key = "points_plural" if abs(value) >= 2 else "points"
    return t(key, locale, sign=sign, value=text)


def vega_locale(locale: str) -> dict[str, dict[str, object]]:
    """The Vega number and time locale (d3 format) matching ``hypercare.formatting``."""
    if locale != "fr":
        return {
            "number": {
                "decimal": ".",
                "thousands": ",",
                "grouping": [3],
                "currency": ["$", ""],
            },
            "time": {
                "dateTime": "%x, %X",
                "date": "%Y-%m-%d",
                "time": "%H:%M",
                "periods": ["AM", "PM"],
                "days": [
                    "Sunday",
                    "Monday",
                    "Tuesday",
                    "Wednesday",
                    "Thursday",
                    "Friday",
                    "Saturday",
                ],
                "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
                "months": [
                    "January",
                    "February",
                    "March",
                    "April",
                    "May",
                    "June",
                    "July",
                    "August",
                    "September",
                    "October",
                    "November",
                    "December",
                ],
                "shortMonths": [
                    "Jan",
                    "Feb",
                    "Mar",
                    "Apr",
                    "May",
                    "Jun",
                    "Jul",
                    "Aug",
                    "Sep",
                    "Oct",
                    "Nov",
                    "Dec",
                ],
            },
        }
    return {
        "number": {
            "decimal": ",",
            "thousands": NARROW_NBSP,
            "grouping": [3],
            "currency": ["", f"{NARROW_NBSP}€"],
            "percent": f"{NARROW_NBSP}%",
        },
        "time": {
            "dateTime": "%A %e %B %Y à %X",
            "date": "%d/%m/%Y",
            "time": "%H:%M:%S",
            "periods": ["AM", "PM"],
            "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
            "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
            "months": list(MONTHS_FR),
            "shortMonths": [
                "janv.",
                "févr.",
                "mars",
                "avr.",
                "mai",
                "juin",
                "juil.",
                "août",
                "sept.",
                "oct.",
                "nov.",
                "déc.",
            ],
        },
    }
