"""Enquêtes / Surveys — "Who answered the pulse surveys, whom to remind?"

For managers (and ambassadors, their teams only): pick a round of a pulse survey, read its
response rate overall and per team (teams under the group size hidden), the people who have not
answered an identified round (an anonymous round has no such list), and download the survey's
answers as CSV (cells neutralized against formulas). The sidebar's teams narrow the per-team
table and the reminders. The links come from
``hypercare surveys links --round …``.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data_pulse, i18n, tables
from dashboard.filters import current_view
from dashboard.i18n import t

view = current_view()
config, locale, viewer = view.config, view.locale, view.viewer
today = view.today or view.as_of

st.title(t("page_pulse", locale))
st.caption(t("pl_question", locale))

found = data_pulse.rounds(config)
if not found:
    st.info(t("pl_none", locale), icon=":material/info:")
    st.stop()


def _state(r: data_pulse.RoundInfo) -> str:
    if today < r.opens:
        return t("pl_upcoming", locale)
    return t("pl_open", locale) if today <= r.closes else t("pl_closed_short", locale)


def _label(r: data_pulse.RoundInfo) -> str:
    kind = t("pl_kind_anonymous" if r.anonymous else "pl_kind_identified", locale)
    title = r.title_en if locale == "en" else r.title_fr
    round_name = f"{r.label} · {r.wave}" if r.wave else r.label
    text = t(
        "pl_round_option",
        locale,
        survey=title,
        round=round_name,
        opens=i18n.date(r.opens, locale),
        closes=i18n.date(r.closes, locale),
        state=_state(r),
    )
    return f"{text} · {kind}"


by_key = {r.key: r for r in found}
started = [r for r in found if r.opens <= today]
default = max(started, key=lambda r: r.opens) if started else found[0]
key = st.selectbox(
    t("pl_pick_round", locale),
    list(by_key),
    index=list(by_key).index(default.key),
    format_func=lambda k: _label(by_key[k]),
    key="pl_round",
)
chosen = by_key[key]
asked, answered, rates, suppressed, remind = data_pulse.status(config, viewer, key)
# The sidebar's teams, when narrowed, narrow the per-team table and the reminders (whose people
# of hidden teams have no team name); the totals stay the round's.
if set(view.teams) != set(view.all_teams):
    rates = rates[rates["team"].isin(view.teams)].reset_index(drop=True)
    remind = remind[remind["team"].isin(view.teams)].reset_index(drop=True)

left, middle, right = st.columns(3)
left.metric(t("pl_asked", locale), i18n.number(asked, locale), border=True)
middle.metric(t("pl_answered", locale), i18n.number(answered, locale), border=True)
rate = answered / asked if asked else None
right.metric(
    t("pl_rate", locale),
    "—" if rate is None else i18n.format_number(rate * 100, locale, 0) + " %",
    border=True,
)
st.caption(t("pl_links_hint", locale, round=f'"{key}"'))

st.subheader(t("pl_rates", locale))
labels = {
    "team": t("pl_team", locale),
    "asked": t("pl_asked", locale),
    "answered": t("pl_answered", locale),
    "rate": t("pl_rate", locale),
}
if not rates.empty:
    tables_config = {"rate": st.column_config.ProgressColumn(labels["rate"], format="percent")}
    st.dataframe(
        rates[list(labels)],
        hide_index=True,
        width="stretch",
        column_config={**labels, **tables_config},
        key="pl_rates_table",
    )
if suppressed:
    st.caption(
        # a count, never the names: no page names a team the privacy rule hides
        t("pl_suppressed", locale, n=config.privacy.min_group_size, count=len(suppressed))
    )

if chosen.anonymous:
    st.subheader(t("pl_reminders_title", locale))
else:
    st.subheader(t("pl_reminders", locale, count=len(remind)))
if chosen.anonymous:
    st.info(t("pl_reminders_anonymous", locale), icon=":material/visibility_off:")
elif remind.empty:
    st.success(t("pl_reminders_none", locale), icon=":material/done_all:")
else:
    remind_labels = {
        "person": t("pl_person", locale),
        "team": t("pl_team", locale),
        "wave": t("pl_wave", locale),
    }
    st.dataframe(
        remind, hide_index=True, width="stretch", column_config=remind_labels, key="pl_remind"
    )
    st.download_button(
        t("download_csv", locale),
        data=tables.csv_bytes(remind, locale, remind_labels),
        file_name=f"hypercare_relances_{chosen.survey}_{chosen.label}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="pl_remind_csv",
    )

answers = data_pulse.answers(config, viewer, chosen.survey)
st.download_button(
    t("pl_export", locale),
    data=tables.csv_bytes(answers, locale),
    file_name=f"hypercare_enquete_{chosen.survey}.csv",
    mime="text/csv",
    icon=":material/download:",
    key="pl_export",
    disabled=answers.empty,
)
