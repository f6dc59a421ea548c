"""The dashboard's words in French and English, and the formatting of its numbers and dates.

KPI names are not here: they come from the KPI registry (``metrics.kpis.KPIS[code].label``), so
the dashboard, the CLI report and the glossary always agree. Numbers, percentages and dates go
through ``hypercare.formatting`` (``74 %`` with a narrow no-break space, ``31/05/2026``).
"""

from __future__ import annotations

import datetime as dt

from hypercare.formatting import NARROW_NBSP, format_date, format_number, format_percent
from metrics.kpis import KPIS

LOCALES = ("fr", "en")

STRINGS: dict[str, dict[str, str]] = {
    "fr": {
        # app and sidebar (the language switch is labelled in both languages)
        "config_error": "La configuration ne peut pas être chargée",
        "store_error": "Le stockage des métriques ne peut pas être ouvert",
        "as_of": "Situation au",
        "as_of_help": "Les indicateurs sont calculés sur les fenêtres qui finissent ce jour-là.",
        "teams": "Équipes",
        "teams_placeholder": "Choisissez des équipes",
        # adoption page
        "page_adoption": "Adoption",
        "adoption_question": "Qui a commencé, qui pas encore, et est-ce que ça se diffuse ?",
        "as_of_caption": "Situation au {date} · toute l'entreprise",
        "target": "cible {value}",
        "change_7d": "sur 7 j",
        "vs_target": "cible {target} · {change}",
        "points": "{sign}{value} pt",
        "points_plural": "{sign}{value} pts",
        "per_team": "Adoption par équipe",
        "per_team_caption": "Taux d'adoption (actifs sur 7 jours ÷ licenciés) au {date}, "
        "face à la cible de {target}.",
        "trend": "Tendance de l'adoption",
        "trend_caption": "Taux d'adoption jour par jour sur les 90 jours jusqu'au {date}.",
        "team_table": "Indicateurs par équipe",
        "download_csv": "Télécharger (CSV)",
        "no_team_selected": "Aucune équipe sélectionnée : choisissez des équipes dans le "
        "filtre à gauche.",
        "privacy_hidden_one": "1 équipe masquée : moins de {n} utilisateurs licenciés "
        "(règle de confidentialité).",
        "privacy_hidden_many": "{count} équipes masquées : moins de {n} utilisateurs licenciés "
        "chacune (règle de confidentialité).",
        "all_suppressed": "Moins de {n} utilisateurs licenciés au total : rien n'est affiché "
        "(règle de confidentialité, privacy.min_group_size).",
        # empty states
        "no_roster_configure": "Aucun annuaire : configurez une source de kind roster dans "
        "hypercare.yaml, puis lancez hypercare collect.",
        "no_roster_collect": "Aucun annuaire chargé : lancez hypercare collect pour lire la "
        "source {sources} (kind roster).",
        "no_usage_configure": "Aucune donnée d'usage : configurez une source de kind usage "
        "dans hypercare.yaml, puis lancez hypercare collect.",
        "no_usage_collect": "Aucune donnée d'usage chargée : lancez hypercare collect pour lire "
        "la source {sources} (kind usage).",
        "no_usage_as_of": "Aucune donnée d'usage au {date} ou avant : choisissez une date plus "
        "récente.",
        # chart and table words
        "team": "Équipe",
        "all_teams": "Toute l'entreprise",
        "day": "Jour",
        "target_met": "Cible atteinte",
        "target_missed": "Sous la cible",
        "adoption_change_7d": "Adoption sur 7 j",
    },
    "en": {
        "config_error": "The configuration cannot be loaded",
        "store_error": "The metrics store cannot be opened",
        "as_of": "As of",
        "as_of_help": "KPIs are computed over the windows ending on this day.",
        "teams": "Teams",
        "teams_placeholder": "Choose teams",
        "page_adoption": "Adoption",
        "adoption_question": "Who has started, who has not, and is it spreading?",
        "as_of_caption": "As of {date} · whole company",
        "target": "target {value}",
        "change_7d": "7-day",
        "vs_target": "target {target} · {change}",
        "points": "{sign}{value} pt",
        "points_plural": "{sign}{value} pts",
        "per_team": "Adoption per team",
        "per_team_caption": "Adoption rate (active in 7 days ÷ licensed) on {date}, "
        "against the {target} target.",
        "trend": "Adoption trend",
        "trend_caption": "Daily adoption rate over the 90 days up to {date}.",
        "team_table": "KPIs per team",
        "download_csv": "Download (CSV)",
        "no_team_selected": "No team selected: choose teams in the filter on the left.",
        "privacy_hidden_one": "1 team hidden: fewer than {n} licensed users (privacy rule).",
        "privacy_hidden_many": "{count} teams hidden: fewer than {n} licensed users each "
        "(privacy rule).",
        "all_suppressed": "Fewer than {n} licensed users in total: nothing is shown "
        "(privacy rule, privacy.min_group_size).",
        "no_roster_configure": "No roster: configure a source of kind roster in hypercare.yaml, "
        "then run hypercare collect.",
        "no_roster_collect": "No roster loaded yet: run hypercare collect to read the source "
        "{sources} (kind roster).",
        "no_usage_configure": "No usage data: configure a source of kind usage in "
        "hypercare.yaml, then run hypercare collect.",
        "no_usage_collect": "No usage data loaded yet: run hypercare collect to read the source "
        "{sources} (kind usage).",
        "no_usage_as_of": "No usage data on or before {date}: choose a later day.",
        "team": "Team",
        "all_teams": "Whole company",
        "day": "Day",
        "target_met": "Target met",
        "target_missed": "Below target",
        "adoption_change_7d": "Adoption, 7-day change",
    },
}


def t(key: str, locale: str, **params: object) -> str:
    """The UI string ``key`` in ``locale`` (French for an unknown locale), with ``params`` filled.

    A key missing from a locale falls back to French, then to the key itself, so that a
    forgotten translation shows up as text rather than as a crash.
    """
    strings = STRINGS.get(locale, STRINGS["fr"])
    text = strings.get(key) or STRINGS["fr"].get(key) or key
    return text.format(**params) if params else text


def kpi_label(code: str, locale: str) -> str:
    """A KPI's name, from the KPI registry."""
    return KPIS[code].label(locale)


def kpi_help(code: str, locale: str) -> str:
    """A KPI's formula in words, from the KPI registry (used as a tooltip)."""
    return KPIS[code].formula(locale)


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
            "months": [
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
            ],
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
