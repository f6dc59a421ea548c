"""Altair charts of the overview, trends and support pages: the team × KPI heat map, a KPI's
daily trend (target, threshold band, anomalies, forecast), open tickets by priority and SLA
state, weekly response times, and error-log entries per module. Pure functions (no Streamlit)."""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import pandas as pd

from dashboard import i18n
from dashboard.charts import ALL_COLOR, TARGET_COLOR, TARGET_DASH, target_rule, team_colors
from dashboard.i18n import t
from metrics.kpis import KPIS, meets_target

#: Cell fills of the heat map: light, so that the value written on them stays readable.
STATUS_COLORS = {"met": "#cdebd9", "near": "#fbe3b5", "missed": "#f6c4bf", "none": "#eef0f3"}
NEAR_SHARE = 0.1
SLA_COLORS = {
    "breached": "#d64541",
    "at_risk": "#f0a53a",
    "on_time": "#2e7d5b",
    "no_target": "#bab0ac",
}
ANOMALY_COLOR = "#d64541"
BAND_COLOR = "#f6c4bf"


def status(code: str, value: float | None, target: float | None) -> str:
    """A cell's status against the KPI's target in its direction: met, near (within 10 % of
    the target, or 5 points for a target of 0), missed, or none (no value or no target)."""
    met = meets_target(code, value, target)
    if met is None:
        return "none"
    if met:
        return "met"
    assert value is not None and target is not None
    tolerance = abs(target) * NEAR_SHARE if target else 5.0
    return "near" if abs(value - target) <= tolerance else "missed"


def kpi_heatmap(frame: pd.DataFrame, locale: str, rows: list[str], kpis: list[str]) -> alt.Chart:
    """Rows (teams) × KPI columns, each cell coloured by its status against the KPI's target and
    its value written in it. ``frame``: ``row``, ``kpi`` (label), ``value`` (text), ``status``,
    ``target`` (text)."""
    labels = {s: t(f"status_{s}", locale) for s in STATUS_COLORS}
    data = frame.assign(status_label=[labels[s] for s in frame["status"]])
    base = alt.Chart(data).encode(
        x=alt.X(
            "kpi:N",
            sort=kpis,
            title=None,
            axis=alt.Axis(orient="top", labelAngle=0, labelLimit=160),
        ),
        y=alt.Y("row:N", sort=rows, title=None, axis=alt.Axis(labelLimit=200)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "status_label:N",
            scale=alt.Scale(
                domain=[labels[s] for s in STATUS_COLORS], range=list(STATUS_COLORS.values())
            ),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("row:N", title=t("team", locale)),
            alt.Tooltip("kpi:N", title=t("kpi", locale)),
            alt.Tooltip("value:N", title=t("value", locale)),
            alt.Tooltip("target:N", title=t("target_word", locale)),
            alt.Tooltip("status_label:N", title=t("state", locale)),
        ],
    )
    text = base.mark_text(fontSize=13, color="#1f2937").encode(text="value:N")
    return (
        alt.layer(cells, text)
        .properties(height=alt.Step(34))
        .configure(locale=i18n.vega_locale(locale))
        .configure_view(strokeWidth=0)
    )


def kpi_trend(
    series: pd.DataFrame,
    code: str,
    locale: str,
    *,
    target: float | None,
    all_teams: Iterable[str] = (),
    anomalies: pd.DataFrame | None = None,
    forecast: pd.DataFrame | None = None,
) -> alt.LayerChart:
    """One KPI's daily lines, one per scope (``label``; the whole company dark and thick, teams
    in their colours), the target as a dashed rule over a light band on its wrong side, the
    anomalies as red points and the forecast as a dashed line. ``series``: ``day``, ``label``,
    ``kind``, ``value``; ``anomalies``: ``day``, ``label``, ``value``, ``expected``;
    ``forecast``: ``day``, ``value``."""
    data = series.dropna(subset=["value"]).copy()
    data["text"] = [i18n.kpi_value(code, v, locale) for v in data["value"]]
    data["date"] = [i18n.date(pd.Timestamp(d).date(), locale) for d in data["day"]]
    everyone = t("all_teams", locale)
    colors = team_colors(all_teams)
    labels = list(dict.fromkeys(data["label"]))
    palette = [ALL_COLOR if label == everyone else colors.get(label, "#76b7b2") for label in labels]
    ratio = KPIS[code].unit == "ratio"
    y_axis = alt.Axis(format=".0%") if ratio else alt.Axis()
    x = alt.X(
        "day:T",
        title=None,
        axis=alt.Axis(format="%d/%m" if locale == "fr" else "%b %d", labelAngle=0, tickCount=8),
    )
    y = alt.Y("value:Q", title=i18n.kpi_label(code, locale), axis=y_axis)
    color = alt.Color(
        "label:N",
        scale=alt.Scale(domain=labels, range=palette),
        legend=alt.Legend(title=None, orient="bottom", columns=4, symbolType="stroke"),
    )
    base = alt.Chart(data).encode(x=x, y=y, color=color)
    layers: list[alt.Chart | alt.LayerChart] = []
    if target is not None and not data.empty:
        low, high = float(data["value"].min()), float(data["value"].max())
        edge = min(low, target) if KPIS[code].direction == "up" else max(high, target)
        band = pd.DataFrame({"from": [edge], "to": [target]})
        layers.append(
            alt.Chart(band).mark_rect(color=BAND_COLOR, opacity=0.35).encode(y="from:Q", y2="to:Q")
        )
    layers.append(
        base.mark_line(interpolate="monotone").encode(
            strokeWidth=alt.condition(alt.datum.label == everyone, alt.value(3.2), alt.value(1.8))
        )
    )
    layers.append(
        base.mark_circle(size=60, opacity=0).encode(
            tooltip=[
                alt.Tooltip("date:N", title=t("day", locale)),
                alt.Tooltip("label:N", title=t("scope", locale)),
                alt.Tooltip("text:N", title=i18n.kpi_label(code, locale)),
            ]
        )
    )
    if forecast is not None and not forecast.empty:
        projected = forecast.assign(
            text=[i18n.kpi_value(code, v, locale) for v in forecast["value"]],
            date=[i18n.date(pd.Timestamp(d).date(), locale) for d in forecast["day"]],
        )
        layers.append(
            alt.Chart(projected)
            .mark_line(color=ALL_COLOR, strokeDash=[2, 3], strokeWidth=2)
            .encode(
                x="day:T",
                y="value:Q",
                tooltip=[
                    alt.Tooltip("date:N", title=t("forecast", locale)),
                    alt.Tooltip("text:N", title=i18n.kpi_label(code, locale)),
                ],
            )
        )
    if anomalies is not None and not anomalies.empty:
        marks = anomalies.assign(
            text=[i18n.kpi_value(code, v, locale) for v in anomalies["value"]],
            expected_text=[i18n.kpi_value(code, v, locale) for v in anomalies["expected"]],
            date=[i18n.date(pd.Timestamp(d).date(), locale) for d in anomalies["day"]],
        )
        layers.append(
            alt.Chart(marks)
            .mark_point(color=ANOMALY_COLOR, filled=True, size=90)
            .encode(
                x="day:T",
                y="value:Q",
                tooltip=[
                    alt.Tooltip("date:N", title=t("anomaly", locale)),
                    alt.Tooltip("label:N", title=t("scope", locale)),
                    alt.Tooltip("text:N", title=i18n.kpi_label(code, locale)),
                    alt.Tooltip("expected_text:N", title=t("expected", locale)),
                ],
            )
        )
    if target is not None:
        layers.append(target_rule(target, "y", locale, code))
    return alt.layer(*layers).properties(height=360).configure(locale=i18n.vega_locale(locale))


def open_by_priority(tickets: pd.DataFrame, locale: str, priorities: list[str]) -> alt.Chart:
    """Open tickets per priority, stacked by SLA state. ``tickets``: ``priority``,
    ``sla_state``."""
    counts = (
        tickets.assign(priority=tickets["priority"].fillna("—"))
        .groupby(["priority", "sla_state"])
        .size()
        .reset_index(name="tickets")
    )
    states = list(SLA_COLORS)
    counts["state"] = [t(f"sla_{s}", locale) for s in counts["sla_state"]]
    counts["order"] = [states.index(s) for s in counts["sla_state"]]
    return (
        alt.Chart(counts)
        .mark_bar()
        .encode(
            y=alt.Y("priority:N", sort=priorities, title=t("priority", locale)),
            x=alt.X("tickets:Q", title=t("tickets", locale), axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "state:N",
                scale=alt.Scale(
                    domain=[t(f"sla_{s}", locale) for s in states], range=list(SLA_COLORS.values())
                ),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("priority:N", title=t("priority", locale)),
                alt.Tooltip("state:N", title=t("state", locale)),
                alt.Tooltip("tickets:Q", title=t("tickets", locale)),
            ],
        )
        .properties(height=alt.Step(34))
        .configure(locale=i18n.vega_locale(locale))
    )


def response_times(
    weekly: pd.DataFrame, locale: str, targets: dict[str, float | None]
) -> alt.LayerChart:
    """Weekly median first-response and resolution hours, each with its target rule.
    ``weekly``: ``week`` and one column per code of ``targets``."""
    codes = list(targets)
    long = weekly.melt(id_vars=["week"], value_vars=codes, var_name="code", value_name="hours")
    long = long.dropna(subset=["hours"])
    long["measure"] = [i18n.kpi_label(c, locale) for c in long["code"]]
    long["text"] = [
        i18n.kpi_value(c, v, locale) for c, v in zip(long["code"], long["hours"], strict=True)
    ]
    long["week_label"] = [i18n.date(pd.Timestamp(w).date(), locale) for w in long["week"]]
    measures = [i18n.kpi_label(c, locale) for c in codes]
    base = alt.Chart(long).encode(
        x=alt.X("week:T", title=None, axis=alt.Axis(format="%d/%m" if locale == "fr" else "%b %d")),
        y=alt.Y("hours:Q", title=t("hours", locale)),
        color=alt.Color(
            "measure:N",
            scale=alt.Scale(domain=measures, range=["#4e79a7", "#f28e2b"]),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
    )
    layers: list[alt.Chart | alt.LayerChart] = [
        base.mark_line(point=True),
        base.mark_circle(size=70, opacity=0).encode(
            tooltip=[
                alt.Tooltip("week_label:N", title=t("week_of", locale)),
                alt.Tooltip("measure:N", title=t("kpi", locale)),
                alt.Tooltip("text:N", title=t("hours", locale)),
            ]
        ),
    ]
    rules = pd.DataFrame(
        [
            {"target": v, "measure": i18n.kpi_label(c, locale)}
            for c, v in targets.items()
            if v is not None
        ]
    )
    if not rules.empty:
        layers.append(
            alt.Chart(rules)
            .mark_rule(strokeDash=TARGET_DASH, color=TARGET_COLOR)
            .encode(y="target:Q", tooltip=[alt.Tooltip("target:Q", title=t("target_word", locale))])
        )
    return alt.layer(*layers).properties(height=300).configure(locale=i18n.vega_locale(locale))


def error_spikes(
    errors: pd.DataFrame, locale: str, anomalies: pd.DataFrame | None
) -> alt.LayerChart:
    """Error-log entries per day, one line per module, spikes the detector flags as red points.
    ``errors``: ``day``, ``module``, ``errors``; ``anomalies``: ``day``, ``module``, ``errors``."""
    data = errors.assign(date=[i18n.date(pd.Timestamp(d).date(), locale) for d in errors["day"]])
    data["module"] = data["module"].replace("", "—")
    base = alt.Chart(data).encode(
        x=alt.X("day:T", title=None, axis=alt.Axis(format="%d/%m" if locale == "fr" else "%b %d")),
        y=alt.Y("errors:Q", title=t("errors_per_day", locale), axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("module:N", legend=alt.Legend(title=t("module", locale), orient="bottom")),
    )
    layers: list[alt.Chart | alt.LayerChart] = [
        base.mark_line(interpolate="monotone", strokeWidth=1.8),
        base.mark_circle(size=60, opacity=0).encode(
            tooltip=[
                alt.Tooltip("date:N", title=t("day", locale)),
                alt.Tooltip("module:N", title=t("module", locale)),
                alt.Tooltip("errors:Q", title=t("errors_per_day", locale)),
            ]
        ),
    ]
    if anomalies is not None and not anomalies.empty:
        marks = anomalies.assign(
            date=[i18n.date(pd.Timestamp(d).date(), locale) for d in anomalies["day"]],
            module=anomalies["module"].replace("", "—"),
        )
        layers.append(
            alt.Chart(marks)
            .mark_point(color=ANOMALY_COLOR, filled=True, size=100)
            .encode(
                x="day:T",
                y="errors:Q",
                tooltip=[
                    alt.Tooltip("date:N", title=t("anomaly", locale)),
                    alt.Tooltip("module:N", title=t("module", locale)),
                    alt.Tooltip("errors:Q", title=t("errors_per_day", locale)),
                ],
            )
        )
    return alt.layer(*layers).properties(height=300).configure(locale=i18n.vega_locale(locale))
