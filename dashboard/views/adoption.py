"""Adoption — "Who has started, who has not, and is it spreading?"

Top to bottom: the whole company's headline cards (number, target, change over 7 days), the
licensed → activated → weekly active funnel of a scope, adoption per team against the target,
the 90-day trend of the selected teams, the waves on a go-live-relative axis, the weekly
lifecycle, frequency bands, the feature × team heat map, the per-team table (with the day each
team reaches the adoption target at this pace) and its CSV, then — only where
``privacy.individual_views`` allows it — the people who have not started yet. Every read goes
through ``dashboard.data``, which already hides small teams and, for an ambassador, other teams.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import charts, charts_adoption, data, i18n, tables, ui
from dashboard.filters import current_view
from dashboard.i18n import t
from dashboard.safe_text import md
from metrics.kpis import target_for

TREND_DAYS = 90
LIFECYCLE_WEEKS = 12
CARDS = ("licensed_users", "activation_rate", "adoption_rate", "wau")


def _forecast_text(found: dict | None) -> str:
    """When a team reaches the adoption target at this pace, in words (the report's forecast)."""
    if not found:
        return "—"
    if found.get("already_reached"):
        return t("forecast_team_reached", locale)
    if found.get("reached_on"):
        day = dt.date.fromisoformat(found["reached_on"])
        return t("forecast_team_on", locale, date=i18n.date(day, locale))
    return t("forecast_team_never", locale)


view = current_view()
config, locale, as_of, viewer = view.config, view.locale, view.as_of, view.viewer
min_group_size = config.privacy.min_group_size

st.title(t("page_adoption", locale))
st.caption(t("adoption_question", locale))

ui.stop_without_usage(view)
snapshot = data.snapshot(config, as_of, viewer)
overall = snapshot.overall()
if overall is None:
    st.info(t("all_suppressed", locale, n=min_group_size), icon=":material/lock:")
    st.stop()

series = data.user_kpi_series(config, as_of - dt.timedelta(days=TREND_DAYS - 1), as_of, viewer)
week_before = as_of - dt.timedelta(days=7)

# ---- Headline cards: the whole company ---------------------------------------------------------
st.caption(t("as_of_caption", locale, date=i18n.date(as_of, locale)))
for column, code in zip(st.columns(4), CARDS, strict=True):
    with column:
        earlier = (
            None if code == "licensed_users" else data.value_on(series, "all", week_before, code)
        )
        ui.kpi_card(code, overall[code], earlier, view)

# ---- Licensed → activated → weekly active ------------------------------------------------------
everyone = t("all_teams", locale)
scope_labels = {"all": everyone} | {
    row.scope: row.name
    for row in snapshot.scopes.itertuples(index=False)
    if (row.kind == "team" and row.name in view.teams)
    or (row.kind == "wave" and row.name in view.waves)
}
st.subheader(t("funnel_title", locale))
funnel_scope = st.selectbox(
    t("scope", locale),
    list(scope_labels),
    format_func=scope_labels.get,
    key="funnel_scope",
)
row = snapshot.scopes[snapshot.scopes["scope"] == funnel_scope].iloc[0]
licensed = int(row["licensed_users"] or 0)
activated = round((data.plain(row["activation_rate"]) or 0) * licensed)
weekly = round((data.plain(row["adoption_rate"]) or 0) * licensed)
st.caption(t("funnel_caption", locale, date=i18n.date(as_of, locale)))
st.altair_chart(charts_adoption.funnel(licensed, activated, weekly, locale), width="stretch")

# ---- Adoption per team against the target ------------------------------------------------------
adoption_target = target_for("adoption_rate", config.targets)
teams = data.for_teams(snapshot.teams(), view.teams, keep_all=False)
if snapshot.other_teams:
    st.caption(
        ":material/lock: "
        + t("other_teams", locale, n=snapshot.other_teams, on_target=snapshot.other_teams_on_target)
    )
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

# ---- The waves laid over the pilot ---------------------------------------------------------------
st.subheader(t("waves_axis_title", locale))
relative = data.go_live_relative(config, as_of, viewer)
relative = relative[relative["wave"].isin(view.waves)]
if relative.empty:
    st.info(t("no_waves", locale), icon=":material/info:")
else:
    st.caption(t("waves_axis_caption", locale, pilot=md(snapshot.wave_names()[0])))
    st.altair_chart(
        charts_adoption.waves_since_go_live(
            relative, adoption_target, locale, snapshot.wave_names()
        ),
        width="stretch",
    )

# ---- Who comes, who stays, who drifts away -----------------------------------------------------
left, right = st.columns(2)
with left:
    st.subheader(t("lifecycle_title", locale))
    st.caption(t("lifecycle_caption", locale, scope=md(scope_labels[funnel_scope])))
    weeks = data.lifecycle(config, as_of - dt.timedelta(weeks=LIFECYCLE_WEEKS - 1), as_of, viewer)
    weeks = weeks[weeks["scope"] == funnel_scope] if not weeks.empty else weeks
    if weeks.empty:
        st.info(t("no_data_scope", locale), icon=":material/info:")
    else:
        st.altair_chart(charts_adoption.lifecycle(weeks, locale), width="stretch")
with right:
    st.subheader(t("bands_title", locale))
    st.caption(t("bands_caption", locale))
    bands = data.frequency_bands(config, as_of, viewer)
    if not bands.empty:
        bands = bands[bands["scope"].isin(scope_labels) & (bands["kind"] != "wave")]
        bands = bands.assign(label=[scope_labels[s] for s in bands["scope"]])
        order = [scope_labels[s] for s in scope_labels if s in set(bands["scope"])]
        st.altair_chart(charts_adoption.frequency_bands(bands, locale, order), width="stretch")

# ---- Which features, in which team -------------------------------------------------------------
st.subheader(t("features_title", locale))
st.caption(t("features_caption", locale))
features = data.feature_adoption(config, as_of, viewer)
if not features.empty:
    features = features[features["scope"].isin(scope_labels) & (features["kind"] != "wave")]
if features.empty:
    st.info(t("no_features", locale), icon=":material/info:")
else:
    features = features.assign(label=[scope_labels[s] for s in features["scope"]])
    order = [scope_labels[s] for s in scope_labels if s in set(features["scope"])]
    st.altair_chart(charts_adoption.feature_heatmap(features, locale, order), width="stretch")

# ---- Per-team KPIs, and their CSV ----------------------------------------------------------------
if not teams.empty:
    st.subheader(t("team_table", locale))
    table = tables.team_kpis(teams, series, as_of, adoption_target)
    table["forecast"] = [
        _forecast_text(snapshot.forecasts.get(f"team:{team}")) for team in table["team"]
    ]
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
        column_order=[c for c in tables.TEAM_COLUMNS if c != "mau"] + ["forecast"],
        column_config={
            "team": st.column_config.TextColumn(labels["team"]),
            **number_columns,
            "adoption_change_7d": st.column_config.TextColumn(labels["adoption_change_7d"]),
            "meets_target": st.column_config.CheckboxColumn(labels["meets_target"]),
            "forecast": st.column_config.TextColumn(
                t("forecast_column", locale), help=t("forecast_column_help", locale)
            ),
        },
    )
    st.download_button(
        t("download_csv", locale),
        data=tables.to_csv(
            table.rename(columns={"forecast": t("forecast_column", locale)}), locale
        ),
        file_name=f"hypercare_adoption_{as_of.isoformat()}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="adoption_team_csv",
    )

# ---- People who have not started (only where the config allows lists of people) ---------------
waiting = data.not_started(config, as_of, viewer) if viewer.role != "support" else None
if waiting is not None:
    st.subheader(t("not_started_title", locale))
    st.caption(t("not_started_note", locale))
    if waiting.empty:
        st.success(t("not_started_none", locale), icon=":material/check_circle:")
    else:
        ui.table(
            waiting.assign(
                name=[n or "—" for n in waiting["name"]],
                go_live=[i18n.date(d, locale) if d else "—" for d in waiting["go_live"]],
            ),
            view,
            key="adoption_not_started_csv",
            labels={
                "name": t("ns_name", locale),
                "person": t("ns_person", locale),
                "team": t("team", locale),
                "wave": t("wave", locale),
                "go_live": t("ns_go_live", locale),
                "days_since_go_live": t("ns_days", locale),
            },
            file_name="not_started",
        )
