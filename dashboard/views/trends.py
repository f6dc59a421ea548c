"""Tendances / KPI trends — "How does this KPI move, here, and will it reach its target?"

Any computed KPI for any scope the reader may see (the whole company, teams, waves, features),
day by day, with its target as a dashed rule over a light band on the wrong side, the days the
anomaly detector flags as red points, and the forecast to the target — each of the last two only
when its module is installed (``data.anomalies`` and ``data.forecast`` say None otherwise).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import charts_ops, data, i18n, ui
from dashboard.filters import current_view
from dashboard.i18n import t
from dashboard.safe_text import md
from metrics.kpis import COMPUTED, KPIS, target_for

PERIODS = (30, 90, 180)
SENSITIVITY = 3.0

view = current_view()
config, locale, as_of, viewer = view.config, view.locale, view.as_of, view.viewer

st.title(t("page_trends", locale))
st.caption(t("trends_question", locale))
ui.stop_without_usage(view)
snap = data.snapshot(config, as_of, viewer)

everyone = t("all_teams", locale)
options = {"all": everyone}
for row in snap.scopes.itertuples(index=False):
    if row.kind == "team" and row.name in view.teams:
        options[row.scope] = row.name
for row in snap.scopes.itertuples(index=False):
    if row.kind == "wave" and row.name in view.waves:
        options[row.scope] = f"{t('wave', locale)} {row.name}"
for row in snap.scopes.itertuples(index=False):
    if row.kind == "feature":
        options[row.scope] = f"{t('feature', locale)} {row.name}"

left, middle, right = st.columns([2, 3, 1.4])
with left:
    code = st.selectbox(
        t("kpi", locale),
        COMPUTED,
        index=COMPUTED.index("adoption_rate"),
        format_func=lambda c: i18n.kpi_label(c, locale),
        key="kpi",
        bind="query-params",
    )
with middle:
    scopes = st.multiselect(
        t("scopes", locale),
        list(options),
        default=["all"] if "all" in snap.scopes["scope"].tolist() else [],
        format_func=lambda s: options.get(s, s),
        key="trend_scopes",
    )
with right:
    days = st.segmented_control(
        t("period", locale),
        PERIODS,
        default=90,
        format_func=lambda d: t("days_n", locale, n=d),
        required=True,
        key="trend_days",
    )
code = code if code in KPIS else "adoption_rate"
days = days or 90
kpi = KPIS[code]
target = target_for(code, config.targets)
arrow = "↑" if kpi.direction == "up" else "↓"
st.caption(
    f"{kpi.formula(locale)} · {t('direction_' + kpi.direction, locale)} {arrow}"
    + (f" · {t('target', locale, value=i18n.kpi_value(code, target, locale))}" if target else "")
)
if not scopes:
    st.info(t("no_scope_selected", locale), icon=":material/filter_alt:")
    st.stop()

start = as_of - dt.timedelta(days=days - 1)
with st.spinner(t("computing", locale)):
    series = data.kpi_series(config, code, scopes, start, as_of, viewer)
series["label"] = [options.get(s, s) for s in series["scope"]]
if series["value"].notna().sum() == 0:
    st.info(t("no_data_kpi", locale), icon=":material/info:")
    st.stop()

# Anomalies for each scope; the forecast for the first scope, against the target.
marks, projected, forecast_text = [], None, None
detector_missing = False
for scope, group in series.groupby("scope", sort=False):
    points = tuple(
        (d.date(), None if pd.isna(v) else float(v))
        for d, v in zip(group["day"], group["value"], strict=True)
    )
    found = data.anomalies(points, SENSITIVITY)
    if found is None:
        detector_missing = True
        continue
    marks += [a | {"label": options.get(scope, scope)} for a in found]
first = series[series["scope"] == scopes[0]]
if target is not None:
    points = tuple(
        (d.date(), None if pd.isna(v) else float(v))
        for d, v in zip(first["day"], first["value"], strict=True)
    )
    result = data.forecast(points, float(target))
    if result is not None:
        reached = result["reached_on"]
        forecast_text = (
            t("forecast_reached", locale, date=i18n.date(reached, locale))
            if reached
            else t("forecast_not_reached", locale)
        )
        if result["curve"]:
            projected = pd.DataFrame(result["curve"], columns=["day", "value"])
            projected["day"] = pd.to_datetime(projected["day"])
anomalies = pd.DataFrame(marks, columns=["day", "value", "expected", "score", "direction", "label"])
anomalies["day"] = pd.to_datetime(anomalies["day"])

st.altair_chart(
    charts_ops.kpi_trend(
        series,
        code,
        locale,
        target=target,
        all_teams=view.all_teams,
        anomalies=anomalies,
        forecast=projected,
    ),
    width="stretch",
)
notes = []
if forecast_text:
    notes.append(f":material/flag: {md(options.get(scopes[0], scopes[0]))} : {forecast_text}")
if detector_missing:
    notes.append(t("anomalies_unavailable", locale))
elif marks:
    notes.append(f":red[●] {t('anomalies_found', locale, n=len(marks))}")
else:
    notes.append(t("anomalies_none", locale))
st.caption(" · ".join(notes))

table = series.assign(
    day=[d.date() for d in series["day"]],
    shown=[i18n.kpi_value(code, None if pd.isna(v) else v, locale) for v in series["value"]],
)
ui.table(
    table,
    view,
    key="trend_csv",
    labels={
        "day": t("day", locale),
        "label": t("scope", locale),
        "value": i18n.kpi_label(code, locale),
        "shown": t("value", locale),
    },
    file_name=f"trend_{code}",
    height=280,
)
