"""Tables of the dashboard and their CSV downloads: pure pandas shaping (no Streamlit).

A table keeps numbers as numbers (so that it sorts), in machine column names; the page labels
the columns and formats the cells. The CSV a French reader downloads opens as-is in French
Excel: ``;`` separator, decimal comma, UTF-8 with a BOM. Every text cell that a spreadsheet
would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
gets a leading ``'`` (CSV injection): a quarantined raw line or a ticket subject is data, never
a formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from dashboard import i18n
from dashboard.data import value_on
from dashboard.i18n import t
from hypercare.csv_safety import safe_cell
from metrics.kpis import meets_target

TEAM_COLUMNS = [
    "team",
    "licensed_users",
    "activation_rate",
    "adoption_rate",
    "adoption_change_7d",
    "meets_target",
    "wau",
    "mau",
]
RATES = ("activation_rate", "adoption_rate")


def team_kpis(
    teams: pd.DataFrame, series: pd.DataFrame, as_of: dt.date, target: float | None
) -> pd.DataFrame:
    """One row per team: its user KPIs on ``as_of``, the change of its adoption rate over the
    7 days before (in points, from ``series``) and whether it meets the adoption ``target``.

    Rates stay 0–1 ratios; ``adoption_change_7d`` is in percentage points.
    """
    week_before = as_of - dt.timedelta(days=7)
    rows = []
    for row in teams.itertuples(index=False):
        now = None if pd.isna(row.adoption_rate) else float(row.adoption_rate)
        before = value_on(series, row.scope, week_before, "adoption_rate")
        change = None if now is None or before is None else round((now - before) * 100, 1)
        rows.append(
            {
                "team": row.name,
                "licensed_users": row.licensed_users,
                "activation_rate": row.activation_rate,
                "adoption_rate": row.adoption_rate,
                "adoption_change_7d": change,
                "meets_target": meets_target("adoption_rate", now, target),
                "wau": row.wau,
                "mau": row.mau,
            }
        )
    frame = pd.DataFrame(rows, columns=TEAM_COLUMNS)
    for code in ("licensed_users", "wau", "mau"):
        frame[code] = frame[code].astype("Int64")
    frame["adoption_change_7d"] = pd.to_numeric(frame["adoption_change_7d"]).astype("float64")
    frame["meets_target"] = frame["meets_target"].astype("boolean")
    return frame


def team_column_labels(locale: str) -> dict[str, str]:
    """Column headers of the per-team table in ``locale`` (KPI names from the registry)."""
    labels = {code: i18n.kpi_label(code, locale) for code in TEAM_COLUMNS if code in _KPI_CODES}
    labels |= {
        "team": t("team", locale),
        "adoption_change_7d": t("adoption_change_7d", locale),
        "meets_target": t("target_met", locale),
    }
    return labels


_KPI_CODES = ("licensed_users", "activation_rate", "adoption_rate", "wau", "mau")


def to_csv(frame: pd.DataFrame, locale: str) -> bytes:
    """The table as CSV for a spreadsheet in ``locale``: headers in words, rates in percent.

    French: ``;`` separated, decimal comma, UTF-8 with BOM (what French Excel opens directly).
    English: ``,`` separated, decimal point, UTF-8.
    """
    out = frame.copy()
    for code in RATES:
        if code in out:
            out[code] = (out[code] * 100).round(1)
    if "meets_target" in out:
        yes, no = ("Oui", "Non") if locale == "fr" else ("yes", "no")
        out["meets_target"] = out["meets_target"].map({True: yes, False: no})
    labels = team_column_labels(locale)
    units = {code: " (%)" for code in RATES} | {"adoption_change_7d": " (pts)"}
    return csv_bytes(out, locale, {c: labels.get(c, c) + units.get(c, "") for c in out.columns})


# One rule for every CSV Hypercare writes (hypercare/csv_safety.py).
neutralize = safe_cell


def csv_bytes(frame: pd.DataFrame, locale: str, labels: Mapping[str, str] | None = None) -> bytes:
    """Any table as CSV for a spreadsheet in ``locale``, headers renamed by ``labels``, text
    cells (and headers) neutralized. French: ``;``, decimal comma, UTF-8 with BOM; English:
    ``,``, decimal point, UTF-8. Time zones are dropped from instants (kept in local time)."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out[column] = series.dt.tz_localize(None)
        elif series.dtype == object or pd.api.types.is_string_dtype(series):
            out[column] = series.map(neutralize)
    labels = labels or {}
    out = out.rename(columns={c: neutralize(str(labels.get(c, c))) for c in out.columns})
    if locale == "fr":
        text = out.to_csv(index=False, sep=";", decimal=",", lineterminator="\r\n")
        return text.encode("utf-8-sig")
    return out.to_csv(index=False).encode("utf-8")
