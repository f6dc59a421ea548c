"""Support — "What is burning, and are we keeping our promises?"

Top to bottom: the cards (open tickets, breached, at risk, median first response and
resolution), open tickets by priority and SLA state, the open tickets themselves (most urgent
first) with their CSV, weekly response times against their targets, the error rate per module
from monitoring's counts (when a source gives them), and error-log entries per module with the
spikes the anomaly detector flags.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import charts_ops, data, data_ops, i18n, ui
from dashboard.filters import current_view
from dashboard.i18n import t
from metrics.kpis import target_for

TREND_WEEKS = 12
ERROR_DAYS = 30
SENSITIVITY = 3.0

view = current_view()
config, locale, as_of, viewer = view.config, view.locale, view.as_of, view.viewer

st.title(t("page_support", locale))
st.caption(t("support_question", locale))
status = data.store_status(config.store_url, as_of)
if not status.has_tickets and not status.has_errors:
    st.info(ui.empty_state(view, "tickets"), icon=":material/info:")
    st.info(ui.empty_state(view, "errors"), icon=":material/info:")
    st.stop()

# ---- Tickets ------------------------------------------------------------------------------------
if not status.has_tickets:
    st.info(ui.empty_state(view, "tickets"), icon=":material/info:")
else:
    tickets = data_ops.open_tickets(config, as_of, viewer)
    cards_kpis = ("tickets_open", "first_response_p50_h", "resolution_p50_h")
    overall = data.overall(config, as_of, cards_kpis) or {}
    before = data.overall(config, as_of - dt.timedelta(days=7), cards_kpis) or {}
    counts = tickets["sla_state"].value_counts().to_dict()
    cards = st.columns(5)
    with cards[0]:
        ui.kpi_card("tickets_open", len(tickets), before.get("tickets_open"), view)
    with cards[1]:
        st.metric(
            t("sla_breached", locale), i18n.number(counts.get("breached", 0), locale), border=True
        )
    with cards[2]:
        st.metric(
            t("sla_at_risk", locale), i18n.number(counts.get("at_risk", 0), locale), border=True
        )
    for column, code in zip(cards[3:], ("first_response_p50_h", "resolution_p50_h"), strict=True):
        with column:
            ui.kpi_card(code, overall.get(code), before.get(code), view)

    st.subheader(t("open_by_priority", locale))
    if tickets.empty:
        st.success(t("no_open_tickets", locale), icon=":material/check_circle:")
    else:
        known = list(config.sla_hours)  # the config's order: most urgent first
        order = sorted(
            set(tickets["priority"].fillna("—")),
            key=lambda p: (known.index(p.casefold()) if p.casefold() in known else len(known), p),
        )
        st.altair_chart(charts_ops.open_by_priority(tickets, locale, order), width="stretch")
        shown = tickets.assign(
            created=[ui.local_time(v, view) for v in tickets["created_at"]],
            state=[t(f"sla_{s}", locale) for s in tickets["sla_state"]],
        )
        ui.table(
            shown,
            view,
            key="support_tickets_csv",
            labels={
                "ref": t("ticket", locale),
                "subject": t("subject", locale),
                "priority": t("priority", locale),
                "state": t("sla_state", locale),
                "hours_left": t("hours_left", locale),
                "age_h": t("age_h", locale),
                "team": t("team", locale),
                "module": t("module", locale),
                "created": t("created", locale),
                "source": t("source", locale),
            },
            file_name="open_tickets",
            height=320,
        )

    st.subheader(t("response_times", locale))
    codes = ("first_response_p50_h", "resolution_p50_h")
    targets = {code: target_for(code, config.targets) for code in codes}
    st.caption(t("response_times_caption", locale, weeks=TREND_WEEKS))
    weekly = data_ops.response_times(
        config, as_of - dt.timedelta(weeks=TREND_WEEKS) + dt.timedelta(days=1), as_of, viewer
    )
    if weekly[list(codes)].notna().any().any():
        st.altair_chart(charts_ops.response_times(weekly, locale, targets), width="stretch")
    else:
        st.info(t("no_data_kpi", locale), icon=":material/info:")

# ---- Error rate per module from monitoring (error counts) --------------------------------------
rates = data_ops.module_error_rates(
    config, as_of - dt.timedelta(days=ERROR_DAYS - 1), as_of, viewer
)
if not rates.empty:
    st.subheader(t("module_error_rates", locale))
    st.caption(t("module_error_rates_caption", locale, days=ERROR_DAYS))
    rates = rates.assign(
        rate=[i18n.percent(v, locale) if pd.notna(v) else "—" for v in rates["error_rate"]],
        requests_text=[i18n.number(round(v), locale) for v in rates["requests"]],
        errors_text=[i18n.number(round(v), locale) for v in rates["errors"]],
    )
    ui.table(
        rates,
        view,
        key="support_module_error_rates_csv",
        labels={
            "module": t("module", locale),
            "requests_text": t("requests", locale),
            "errors_text": t("errors_counted", locale),
            "rate": i18n.kpi_label("error_rate", locale),
        },
        file_name="module_error_rates",
    )

# ---- Error spikes per module ------------------------------------------------------------------
st.subheader(t("error_spikes", locale))
if not status.has_errors:
    st.info(ui.empty_state(view, "errors"), icon=":material/info:")
    st.stop()
start = as_of - dt.timedelta(days=ERROR_DAYS - 1)
errors = data_ops.errors_by_module(config, start, as_of, viewer)
if errors.empty:
    st.info(t("no_errors_window", locale, days=ERROR_DAYS), icon=":material/check_circle:")
    st.stop()
# The detector judges each module on its own history, so it reads the 90 days before too.
history = data_ops.errors_by_module(config, as_of - dt.timedelta(days=89), as_of, viewer)
marks = []
for module, group in history.groupby("module"):
    points = tuple((d.date(), float(v)) for d, v in zip(group["day"], group["errors"], strict=True))
    found = data.anomalies(points, SENSITIVITY) or []
    marks += [
        {"day": a["day"], "module": module, "errors": a["value"]}
        for a in found
        if a["day"] >= start and a.get("direction") != "low"
    ]
spikes = pd.DataFrame(marks, columns=["day", "module", "errors"])
spikes["day"] = pd.to_datetime(spikes["day"])
st.caption(t("error_spikes_caption", locale, days=ERROR_DAYS, n=len(spikes)))
st.altair_chart(charts_ops.error_spikes(errors, locale, spikes), width="stretch")
