"""Alertes / Alerts — "What is crossing a line right now, and who is on it?"

Top to bottom: the firing then the pending alerts (with a CSV download), their history as a
timeline (one row per rule × scope, coloured by state), and for managers and support leads the
forms to acknowledge an alert and to silence its notifications. Ambassadors read only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import data_alerts, i18n, tables
from dashboard.filters import current_view
from dashboard.i18n import t
from dashboard.safe_text import md
from metrics.scopes import Scope

STATE_COLOURS = {
    "firing": "#d62728",
    "pending": "#ff7f0e",
    "resolved": "#2ca02c",
    "normal": "#c7c7c7",
}
SIGNS = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}
COLUMNS = ["severity", "rule", "scope", "kpi", "value", "condition", "since", "ack", "silenced"]

view = current_view()
config, locale, as_of, viewer = view.config, view.locale, view.as_of, view.viewer

st.title(t("page_alerts", locale))
st.caption(t("al_question", locale))

if not data_alerts.configured(config):
    st.info(t("alerts_never", locale), icon=":material/notifications_off:")
    st.stop()


def _scope(text: str) -> str:
    if text.startswith("entity:"):
        return t("al_scope_entity", locale, name=text.removeprefix("entity:"))
    try:
        scope = Scope.parse(text)
    except ValueError:
        return text
    return t("al_scope_all", locale) if scope.kind == "all" else f"{scope.kind} · {scope.value}"


def _date(text: str | None) -> str:
    return i18n.date(dt.date.fromisoformat(text[:10]), locale) if text else ""


def _condition(alert: dict[str, Any]) -> str:
    kind, kpi, detail = alert["kind"], alert["kpi"], alert.get("detail") or {}
    threshold, comparison = alert["threshold"], alert["comparison"]
    if kind == "change" and threshold is not None:
        relative = detail.get("measure", "relative") == "relative"
        value = (
            i18n.percent(threshold, locale) if relative else i18n.kpi_value(kpi, threshold, locale)
        )
        sign = SIGNS.get(comparison or "", comparison or "")
        return t("al_cond_change", locale, sign=sign, value=value, days=detail.get("window", 7))
    if kind == "reconcile":
        return t("al_cond_reconcile", locale, initial=i18n.kpi_value(kpi, threshold, locale))
    if kind == "forecast_slip":
        planned = detail.get("planned")
        return t(
            "al_cond_forecast",
            locale,
            target=i18n.kpi_value(kpi, threshold, locale),
            date=_date(planned) or "—",
        )
    if kind == "anomaly" or threshold is None or not comparison:
        return t("al_cond_anomaly", locale)
    return f"{SIGNS.get(comparison, comparison)} {i18n.kpi_value(kpi, threshold, locale)}"


def _row(alert: dict[str, Any]) -> dict[str, str]:
    ack = ""
    if alert["acknowledged_by"]:
        ack = t(
            "al_acked", locale, by=alert["acknowledged_by"], date=_date(alert["acknowledged_at"])
        )
        if alert["ack_comment"]:
            ack += f" — {alert['ack_comment']}"
    return {
        "severity": t(f"al_sev_{alert['severity']}", locale),
        "rule": alert["rule"],
        "scope": _scope(alert["scope"]),
        "kpi": i18n.kpi_label(alert["kpi"], locale) if alert["kpi"] else "",
        "value": i18n.kpi_value(alert["kpi"], alert["value"], locale) if alert["kpi"] else "",
        "condition": _condition(alert),
        "since": _date(alert["since"]),
        "ack": ack,
        "silenced": _date(alert["silenced_until"]),
    }


labels = {c: t(f"al_col_{c}", locale) for c in COLUMNS}
labels["kpi"] = t("al_col_kpi", locale)
alerts = data_alerts.current(config, viewer)

# ---- Firing, then pending ----------------------------------------------------------------------
for state in ("firing", "pending"):
    chosen = [a for a in alerts if a["state"] == state]
    st.subheader(t(f"al_{state}", locale, n=len(chosen)))
    if not chosen:
        st.caption(t(f"al_none_{state}", locale))
        continue
    frame = pd.DataFrame([_row(a) for a in chosen], columns=COLUMNS)
    st.dataframe(
        frame.rename(columns=labels), hide_index=True, width="stretch", key=f"alerts_{state}"
    )

everything = pd.DataFrame(
    [_row(a) | {"state": t(f"al_state_{a['state']}", locale)} for a in alerts],
    columns=["state", *COLUMNS],
)
st.download_button(
    t("download_csv", locale),
    data=tables.csv_bytes(everything, locale, {"state": t("al_col_state", locale)} | labels),
    file_name=f"hypercare_alerts_{as_of.isoformat()}.csv",
    mime="text/csv",
    icon=":material/download:",
    key="alerts_csv",
)

# ---- History -----------------------------------------------------------------------------------
st.subheader(t("al_history", locale))
segments = data_alerts.timeline(config, viewer, as_of)
if segments.empty:
    st.caption(t("al_no_history", locale))
else:
    st.caption(t("al_history_caption", locale))
    segments["alert"] = segments["rule"] + " · " + segments["scope"].map(_scope)
    segments["state_label"] = segments["state"].map(lambda s: t(f"al_state_{s}", locale))
    segments["from"] = segments["start"].dt.date.map(lambda d: i18n.date(d, locale))
    segments["to"] = (segments["end"] - pd.Timedelta(days=1)).dt.date.map(
        lambda d: i18n.date(d, locale)
    )
    segments["shown_value"] = [
        i18n.kpi_value(kpi, v if pd.notna(v) else None, locale) if kpi else ""
        for kpi, v in zip(
            segments["rule"].map(lambda r: getattr(config.sections["alerts"].rule(r), "kpi", None)),
            segments["value"],
            strict=True,
        )
    ]
    states = [s for s in STATE_COLOURS if s in set(segments["state"])]
    chart = (
        alt.Chart(segments)
        .mark_bar()
        .encode(
            x=alt.X("start:T", title=t("al_day", locale)),
            x2="end:T",
            y=alt.Y("alert:N", title=None),
            color=alt.Color(
                "state_label:N",
                title=t("al_col_state", locale),
                scale=alt.Scale(
                    domain=[t(f"al_state_{s}", locale) for s in states],
                    range=[STATE_COLOURS[s] for s in states],
                ),
            ),
            tooltip=[
                alt.Tooltip("alert:N", title=t("al_pick", locale)),
                alt.Tooltip("state_label:N", title=t("al_col_state", locale)),
                alt.Tooltip("from:N", title=t("al_from", locale)),
                alt.Tooltip("to:N", title=t("al_to", locale)),
                alt.Tooltip("shown_value:N", title=t("al_col_value", locale)),
            ],
        )
        .properties(height=max(120, 32 * segments["alert"].nunique()))
    )
    st.altair_chart(chart, width="stretch")

# ---- Acknowledge, silence ------------------------------------------------------------------------
if not data_alerts.may_act(viewer):
    st.caption(f":material/visibility: {t('al_readonly', locale)}")
    st.stop()
if not alerts:
    st.stop()

st.subheader(t("al_act", locale))
choices = {f"{a['rule']} · {a['scope']}": (a["rule"], a["scope"]) for a in alerts}
left, right = st.columns(2)
with left, st.form("alerts_ack_form"):
    picked = st.selectbox(t("al_pick", locale), list(choices), key="alerts_ack_pick")
    comment = st.text_area(t("al_comment", locale), key="alerts_ack_comment")
    if st.form_submit_button(t("al_ack_button", locale), key="alerts_ack"):
        try:
            done = data_alerts.acknowledge_alert(config, viewer, *choices[picked], comment)
        except (data_alerts.AlertError, PermissionError) as exc:
            st.error(t("al_failed", locale, error=md(exc)))
        else:
            st.session_state["alerts_flash"] = t(
                "al_ack_done", locale, by=md(done["acknowledged_by"])
            )
            st.rerun()
with right, st.form("alerts_silence_form"):
    picked = st.selectbox(t("al_pick", locale), list(choices), key="alerts_silence_pick")
    until = st.date_input(
        t("al_silence_until", locale),
        value=as_of + dt.timedelta(days=7),
        format="DD/MM/YYYY" if locale == "fr" else "YYYY-MM-DD",
        key="alerts_silence_until",
    )
    if st.form_submit_button(t("al_silence_button", locale), key="alerts_silence"):
        try:
            data_alerts.silence_alert(config, viewer, *choices[picked], until)
        except (data_alerts.AlertError, PermissionError) as exc:
            st.error(t("al_failed", locale, error=md(exc)))
        else:
            st.session_state["alerts_flash"] = t(
                "al_silence_done", locale, date=i18n.date(until, locale)
            )
            st.rerun()
if flash := st.session_state.pop("alerts_flash", None):
    st.success(flash, icon=":material/check:")
