"""Numbers and dates as French or English readers expect them (``74 %``, ``6,7 %``, ``31/05/2026``).

Pure functions shared by the CLI and the dashboard.
"""

from __future__ import annotations

import datetime as dt

NARROW_NBSP = "\u202f"  # French thousands separator and space before %
NBSP = "\u00a0"


def format_number(value: float | int | None, locale: str, decimals: int = 0) -> str:
    """``12 345,6`` in French, ``12,345.6`` in English; ``—`` for no value."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    if locale == "fr":
        text = text.replace(",", NARROW_NBSP).replace(".", ",")
    return text


def format_percent(value: float | None, locale: str, decimals: int = 0) -> str:
    """A 0–1 fraction as a percentage: ``74 %`` (fr) or ``74%`` (en)."""
    if value is None:
        return "—"
    number = format_number(value * 100, locale, decimals)
    return f"{number}{NARROW_NBSP}%" if locale == "fr" else f"{number}%"


def format_date(value: dt.date | None, locale: str) -> str:
    """``31/05/2026`` in French, ``2026-05-31`` in English."""
    if value is None:
        return "—"
    return value.strftime("%d/%m/%Y") if locale == "fr" else value.isoformat()


MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def format_long_date(value: dt.date, locale: str) -> str:
    """A date for prose: ``3 novembre 2026`` in French, ``03 November 2026`` in English."""
    if locale == "fr":
        return f"{value.day} {MONTHS_FR[value.month - 1]} {value.year}"
    return f"{value:%d %B %Y}"


def format_kpi(value: float | int | None, unit: str, locale: str) -> str:
    """A KPI value formatted for its unit (ratios as percentages, counts as whole numbers)."""
    if unit == "ratio":
        return format_percent(value, locale, 1 if value is not None and value < 0.1 else 0)
    if unit in ("users", "count"):
        return format_number(value, locale)
    return format_number(value, locale, 1)
