"""Vue d'ensemble / Overview — "Are we on track, and where not?"

Top to bottom: data freshness, the headline cards (number, target, change over 7 days), the
waves with their GO / NO-GO / WAIT verdict and its reasons, firing alerts, then the team × KPI
heat map coloured against each KPI's target.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import charts_ops, data, data_ops, i18n, ui
from dashboard.filters import current_view
from dashboard.i18n import t
from dashboard.safe_text import md, md_join
from metrics.kpis import target_for

HEATMAP_KPIS = ["adoption_rate", "activation_rate", "engagement_score", "error_rate"]
VERDICT_BADGE = {"GO": "green", "NO-GO": "red", "WAIT": "orange"}

view = current_view()
config, locale, as_of, viewer = view.config, view.locale, view.as_of, view.viewer

st.title(t("page_overview", locale))
st.caption(t("overview_question", locale))

# ---- Data freshness ----------------------------------------------------------------------------
health, last_run = data_ops.source_health(config, view.today or as_of, viewer)
if last_run is not None:
    states = health["state"].value_counts().to_dict() if not health.empty else {}
    ok, behind = states.get("ok", 0), sum(states.get(s, 0) for s in ("late", "error", "never"))
    line = t("fresh_as_of", locale, when=ui.local_time(last_run["finished_at"], view))
    line += " · " + t("sources_ok", locale, n=ok)
    if behind:
        line += " · " + t("sources_late", locale, n=behind) + " :material/warning:"
    st.caption(line)

ui.stop_without_usage(view)
snap = data.snapshot(config, as_of, viewer)
overall = snap.overall()
if overall is None:
    st.info(t("all_suppressed", locale, n=config.privacy.min_group_size), icon=":material/lock:")
    st.stop()
# the four cards' figures a week earlier (the surveys' come from survey_scores below)
before = (
    data.overall(
        config,
        as_of - dt.timedelta(days=7),
        ("adoption_rate", "activation_rate", "error_rate", "tickets_open"),
    )
    or {}
)
status = data.store_status(config.store_url, as_of)
surveys = data.survey_scores(config, as_of, viewer)
surveys_before = data.survey_scores(config, as_of - dt.timedelta(days=7), viewer)


def _survey(frame: pd.DataFrame, scope: str, code: str) -> float | None:
    rows = frame[frame["scope"] == scope]
    return None if rows.empty else data.plain(rows.iloc[0][code])


teams_text = (
    t("all_word", locale)
    if set(view.teams) == set(view.all_teams)
    else (md_join(view.teams) or "—")
)
waves_text = (
    t("all_word", locale)
    if set(view.waves) == set(view.all_waves)
    else (md_join(view.waves) or "—")
)
st.caption(
    t(
        "overview_scope",
        locale,
        date=i18n.date(as_of, locale),
        teams=teams_text,
        waves=waves_text,
    )
)

# ---- Headline cards ------------------------------------------------------------------------------
cards: list[tuple[str, float | None, float | None, str | None]] = [
    ("adoption_rate", overall["adoption_rate"], before.get("adoption_rate"), None),
    ("activation_rate", overall["activation_rate"], before.get("activation_rate"), None),
]
for code in ("sus", "nps"):
    value = _survey(surveys, "all", code)
    if value is not None:
        cards.append((code, value, _survey(surveys_before, "all", code), None))
cards.append(("error_rate", overall["error_rate"], before.get("error_rate"), None))
if status.has_tickets and viewer.role != "ambassador":
    tickets = data_ops.open_tickets(config, as_of, viewer)
    breached = int((tickets["sla_state"] == "breached").sum())
    cards.append(
        (
            "tickets_open",
            overall["tickets_open"],
            before.get("tickets_open"),
            t("sla_breached_count", locale, n=breached),
        )
    )
for column, (code, value, earlier, extra) in zip(st.columns(len(cards)), cards, strict=True):
    with column:
        ui.kpi_card(code, value, earlier, view, extra=extra)

# ---- Waves: may the next one go live? ---------------------------------------------------------


def _reason(criterion: dict) -> str:
    """A criterion in words: ``Taux d'adoption 67 % < 80 %``, or why it is not judged yet."""
    code = criterion["kpi"]
    label = i18n.kpi_label(code, locale)
    if criterion["status"] == "inconclusive":
        reason = criterion["reason"]
        if reason.startswith(("J+", "not live")):
            return t("too_early", locale, kpi=label, day=criterion["min_days"])
        if reason.startswith("hidden"):
            return t("criterion_hidden", locale, kpi=label)
        return t("criterion_no_data", locale, kpi=label)
    sign = criterion["comparison"]
    if criterion["status"] == "fail":
        sign = {">=": "<", ">": "≤", "<=": ">", "<": "≥"}[sign]
    sign = {">=": "≥", "<=": "≤"}.get(sign, sign)
    value = i18n.kpi_value(code, criterion["value"], locale)
    threshold = i18n.kpi_value(code, criterion["threshold"], locale)
    return f"{label} {value} {sign} {threshold}"


def _verdict_line(name: str, days: int | None, verdict: str, criteria: list[dict]) -> str:
    badge = f":{VERDICT_BADGE[verdict]}-badge[{t('verdict_' + verdict, locale)}]"
    when = "" if days is None else f" · J+{days}" if locale == "fr" else f" · D+{days}"
    shown = [c for c in criteria if c["status"] != "pass"] if verdict != "GO" else criteria
    reasons = " ; ".join(_reason(c) for c in shown) if shown else t("no_criteria", locale)
    return f"**{md(name)}**{when} {badge} — {reasons}"


st.subheader(t("waves_title", locale))
waves = [w for w in snap.waves if w["wave"] in view.waves] if view.all_waves else snap.waves
if not waves:
    st.info(t("no_waves", locale), icon=":material/info:")
for wave in waves:
    st.markdown(
        _verdict_line(wave["wave"], wave["days_since_go_live"], wave["verdict"], wave["criteria"])
    )
if snap.exit is not None:
    st.markdown(
        _verdict_line(
            t("exit", locale),
            snap.exit["days_since_last_go_live"],
            snap.exit["verdict"],
            snap.exit["criteria"],
        )
    )

# ---- Alerts ------------------------------------------------------------------------------------
alerts = data_ops.alert_states(config, viewer)
firing = [a for a in alerts if a["state"] == "firing"]
pending = [a for a in alerts if a["state"] == "pending"]
if firing:
    st.warning(
        t("alerts_firing", locale, n=len(firing))
        + " · "
        + ", ".join(f"{md(a['rule'])} ({md(a['scope'])})" for a in firing[:5]),
        icon=":material/notifications_active:",
    )
elif alerts:
    st.caption(f":material/notifications: {t('alerts_none_firing', locale, n=len(pending))}")
else:
    st.caption(f":material/notifications_off: {t('alerts_never', locale)}")

# ---- Teams × KPI ---------------------------------------------------------------------------------
st.subheader(t("heatmap_title", locale))
st.caption(t("heatmap_caption", locale))
teams = data.for_teams(snap.scopes, view.teams)
kpis = list(HEATMAP_KPIS)
if not surveys.empty:
    kpis += [c for c in ("sus", "nps") if surveys[c].notna().any()]
if status.has_tickets:
    kpis.append("tickets_open")
everyone = t("all_teams", locale)
cells = []
for row in teams.itertuples(index=False):
    label = everyone if row.kind == "all" else row.name
    for code in kpis:
        value = (
            _survey(surveys, row.scope, code)
            if code in ("sus", "nps")
            else data.plain(getattr(row, code))
        )
        target = target_for(code, config.targets)
        cells.append(
            {
                "row": label,
                "kpi": i18n.kpi_label(code, locale),
                "value": i18n.kpi_value(code, value, locale),
                "status": charts_ops.status(code, value, target),
                "target": i18n.kpi_value(code, target, locale),
            }
        )
rows = [everyone, *teams.loc[teams["kind"] == "team", "name"]]
if len(rows) > 1 or viewer.role == "ambassador":
    frame = pd.DataFrame(cells)
    st.altair_chart(
        charts_ops.kpi_heatmap(frame, locale, rows, [i18n.kpi_label(c, locale) for c in kpis]),
        width="stretch",
    )
    with st.expander(t("heatmap_table", locale)):
        wide = frame.pivot(index="row", columns="kpi", values="value").reindex(rows).reset_index()
        labels = {"row": t("team", locale)} | {
            i18n.kpi_label(c, locale): i18n.kpi_label(c, locale) for c in kpis
        }
        ui.table(wide, view, key="overview_heatmap_csv", labels=labels, file_name="overview")
else:
    st.info(t("no_team_selected", locale), icon=":material/filter_alt:")
if snap.other_teams:
    st.caption(
        ":material/lock: "
        + t(
            "other_teams",
            locale,
            n=snap.other_teams,
            on_target=snap.other_teams_on_target,
        )
    )
hidden = snap.suppressed.get("team", 0)
if hidden:
    key = "privacy_hidden_one" if hidden == 1 else "privacy_hidden_many"
    st.caption(f":material/lock: {t(key, locale, count=hidden, n=config.privacy.min_group_size)}")
