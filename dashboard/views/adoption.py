"""Adoption — "Who has started, who has not, and is it spreading?"

Top to bottom: the whole company's headline cards (number, target, change over 7 days), adoption
per team against the target, the 90-day trend of the selected teams, then the per-team table
and its CSV. Every read goes through ``dashboard.data``, which already hides small teams.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import charts, data, i18n, tables
from dashboard.filters import current_view
from dashboard.i18n import t
from metrics.kpis import KPIS, target_for

TREND_DAYS = 90

view = current_view()
config, locale, as_of = view.config, view.locale, view.as_of
store_url, min_group_size = config.store_url, config.privacy.min_group_size

st.title(t("page_adoption", locale))
st.caption(t("adoption_question", locale))

# ---- Empty states: say which source to configure (or to collect) -------------------------------
status = data.store_status(store_url, as_of)


def _empty_state(kind: str) -> str:
    names = [src.name for src in config.sources if src.kind == kind]
    if not names:
        return t(f"no_{kind}_configure", locale)
    quoted = ", ".join(f"« {n} »" if locale == "fr" else f"'{n}'" for n in names)
    return t(f"no_{kind}_collect", locale, sources=quoted)


empty = [
    _empty_state(kind)
    for kind, present in (("roster", status.has_roster), ("usage", status.has_usage))
    if not present
]
if empty:
    for message in empty:
        st.info(message, icon=":material/info:")
    st.stop()
if not status.has_usage_as_of:
    st.info(t("no_usage_as_of", locale, date=i18n.date(as_of, locale)), icon=":material/info:")
    st.stop()

snapshot = data.snapshot(store_url, as_of, min_group_size)
overall = snapshot.overall()
if overall is None:
    st.info(t("all_suppressed", locale, n=min_group_size), icon=":material/lock:")
    st.stop()

series = data.user_kpi_series(
    store_url, as_of - dt.timedelta(days=TREND_DAYS - 1), as_of, min_group_size
)
week_before = as_of - dt.timedelta(days=7)

# ---- Headline cards: the whole company ---------------------------------------------------------
st.caption(t("as_of_caption", locale, date=i18n.date(as_of, locale)))


def _card(code: str, *, change_in: str | None = None) -> None:
    """A KPI card: value, change over 7 days coloured by the KPI's direction, its target."""
    kpi = KPIS[code]
    show = i18n.percent if kpi.unit == "ratio" else i18n.number
    value = overall[code]
    before = data.value_on(series, "all", week_before, code)
    change = None if value is None or before is None else value - before
    target = target_for(code, config.targets)
    target_text = show(target, locale) if target is not None else None
    delta = description = None
    color, arrow = "off", "off"
    if change_in is not None and change is not None:
        delta = i18n.points(change, locale) if change_in == "points" else _signed(change)
        good = change > 0 if kpi.direction == "up" else change < 0
        color = "gray" if change == 0 else "green" if good else "red"
        arrow = "off" if change == 0 else "up" if change > 0 else "down"
        description = t("change_7d", locale)
        if target_text:
            description = t("vs_target", locale, change=description, target=target_text)
    elif target_text:
        delta = t("target", locale, value=target_text)
    st.metric(
        i18n.kpi_label(code, locale),
        show(value, locale),
        delta=delta,
        delta_color=color,
        delta_arrow=arrow,
        delta_description=description,
        help=i18n.kpi_help(code, locale),
        border=True,
    )


def _signed(change: float) -> str:
    sign = "+" if change > 0 else "−" if change < 0 else ""
    return sign + i18n.number(abs(change), locale)


cards = st.columns(4)
with cards[0]:
    _card("licensed_users")
with cards[1]:
    _card("activation_rate", change_in="points")
with cards[2]:
    _card("adoption_rate", change_in="points")
with cards[3]:
    _card("wau", change_in="users")

# ---- Adoption per team against the target ------------------------------------------------------
adoption_target = target_for("adoption_rate", config.targets)
teams = data.for_teams(snapshot.teams(), view.teams, keep_all=False)
st.subheader(t("per_team", locale))
st.caption(
    t(
        "per_team_caption",
        locale,
        date=i18n.date(as_of, locale),
        target=i18n.percent(adoption_target, locale),
    )
)
if teams.empty:
    st.info(t("no_team_selected", locale), icon=":material/filter_alt:")
else:
    st.altair_chart(charts.adoption_by_team(teams, adoption_target, locale), width="stretch")
hidden = snapshot.suppressed.get("team", 0)
if hidden:
    key = "privacy_hidden_one" if hidden == 1 else "privacy_hidden_many"
    st.caption(f":material/lock: {t(key, locale, count=hidden, n=min_group_size)}")

# ---- Is it spreading? The trend of the selected teams ------------------------------------------
st.subheader(t("trend", locale))
st.caption(t("trend_caption", locale, date=i18n.date(as_of, locale)))
trend = data.for_teams(series, view.teams)
st.altair_chart(
    charts.adoption_trend(trend, adoption_target, locale, all_teams=view.all_teams),
    width="stretch",
)

# ---- Per-team KPIs, and their CSV ----------------------------------------------------------------
if not teams.empty:
    st.subheader(t("team_table", locale))
    table = tables.team_kpis(teams, series, as_of, adoption_target)
    labels = tables.team_column_labels(locale)
    percent_format = "%.0f\u202f%%" if locale == "fr" else "%.0f%%"
    shown = table.assign(
        **{code: table[code] * 100 for code in tables.RATES},
        # Text, so that French readers get a decimal comma ("+4,5 pts").
        adoption_change_7d=[
            None if pd.isna(v) else i18n.points(v / 100, locale)
            for v in table["adoption_change_7d"]
        ],
    )
    number_columns = {
        code: st.column_config.NumberColumn(
            labels[code],
            help=i18n.kpi_help(code, locale),
            format=percent_format if code in tables.RATES else None,
        )
        for code in ("licensed_users", "activation_rate", "adoption_rate", "wau")
    }
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        # MAU only goes to the CSV: the table fits the page without scrolling sideways.
        column_order=[c for c in tables.TEAM_COLUMNS if c != "mau"],
        column_config={
            "team": st.column_config.TextColumn(labels["team"]),
            **number_columns,
            "adoption_change_7d": st.column_config.TextColumn(labels["adoption_change_7d"]),
            "meets_target": st.column_config.CheckboxColumn(labels["meets_target"]),
        },
    )
    st.download_button(
        t("download_csv", locale),
        data=tables.to_csv(table, locale),
        file_name=f"hypercare_adoption_{as_of.isoformat()}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="adoption_team_csv",
    )
