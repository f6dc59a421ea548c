"""Retours / Feedback — "What should we fix first?"

Top to bottom: the urgent lane (blockers), the ranked entries in an editable table (status,
effort, owner, note; saved through ``surveys.workflow`` as the reader, a refused change shows
its reason and stores nothing), the impact / effort chart with the quick-wins quadrant shaded,
and the CSV download. An ambassador reads and edits their teams' items only; other teams appear
as counts (``data_feedback`` scopes, the page never filters for access).
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import data_feedback, i18n
from dashboard.filters import current_view
from dashboard.i18n import t
from dashboard.safe_text import md
from surveys.backlog import STATUS_LABELS, STATUSES, Entry
from surveys.settings import backlog_settings
from surveys.workflow import EditRefused

EDITOR_KEY = "feedback_editor"
EDITABLE = ("status", "effort", "owner", "note")

view = current_view()
config, locale, viewer = view.config, view.locale, view.viewer
labels = STATUS_LABELS.get(locale, STATUS_LABELS["fr"])
code_of = {label: code for code, label in labels.items()}

st.title(t("page_feedback", locale))
st.caption(t("feedback_question", locale))

backlog = data_feedback.backlog(config, viewer)
if not backlog.entries:
    st.info(t("fb_empty", locale), icon=":material/inbox:")
    st.stop()


def _key(entry: Entry) -> str:
    if entry.theme_id is not None:
        return f"theme:{entry.theme_id}"
    return f"item:{entry.feedback[0].id}"


def _note(entry: Entry) -> str | None:
    notes = {f.note for f in entry.feedback if f.note}
    return notes.pop() if len(notes) == 1 else None


def _reach(entry: Entry) -> str:
    return t("fb_reach", locale, people=entry.people, teams=entry.team_count)


# ---- Urgent lane ---------------------------------------------------------------------------
st.subheader(t("fb_urgent_title", locale))
urgent = [e for e in backlog.entries if e.lane == "urgent"]
if not urgent:
    st.success(t("fb_urgent_none", locale), icon=":material/check_circle:")
for entry in urgent:
    reasons = " · ".join(entry.urgent_reasons[:3])
    st.error(
        f"**{md(entry.title)}** — {_reach(entry)} · {labels[entry.status]}"
        + (f"\n\n{md(reasons)}" if reasons else ""),
        icon=":material/priority_high:",
    )

# ---- Ranked entries, editable ----------------------------------------------------------------
st.subheader(t("fb_ranked_title", locale))
st.caption(t("fb_ranked_caption", locale, scoring=backlog.scoring))
rows = pd.DataFrame(
    [
        {
            "rank": e.rank,
            "lane": t(f"fb_lane_{e.lane}", locale),
            "title": ("★ " if e.quick_win else "") + e.title,
            "score": round(e.score, 2),
            "people": e.people,
            "team_count": e.team_count,
            "teams": ", ".join(e.teams),
            "other": sum(e.other_teams.values()),
            "status": labels[e.status],
            "effort": e.effort if e.effort_set else None,
            "owner": e.owner,
            "note": _note(e),
            "key": _key(e),
        }
        for e in backlog.entries
    ]
)
original = rows.copy()
read_only = viewer.role == "support"
column_config = {
    "rank": st.column_config.NumberColumn(t("fb_col_rank", locale), disabled=True),
    "lane": st.column_config.TextColumn(t("fb_col_lane", locale), disabled=True),
    "title": st.column_config.TextColumn(t("fb_col_title", locale), disabled=True),
    "score": st.column_config.NumberColumn(t("fb_col_score", locale), disabled=True),
    "people": st.column_config.NumberColumn(t("fb_col_people", locale), disabled=True),
    "team_count": st.column_config.NumberColumn(t("fb_col_teams", locale), disabled=True),
    "teams": st.column_config.TextColumn(t("fb_col_teams", locale), disabled=True),
    "other": st.column_config.NumberColumn(t("fb_col_other", locale), disabled=True),
    "status": st.column_config.SelectboxColumn(
        t("fb_col_status", locale),
        options=[labels[s] for s in STATUSES],
        required=True,
        disabled=read_only,
    ),
    "effort": st.column_config.NumberColumn(
        t("fb_col_effort", locale), min_value=0.1, step=0.5, disabled=read_only
    ),
    "owner": st.column_config.TextColumn(
        t("fb_col_owner", locale), max_chars=200, disabled=read_only
    ),
    "note": st.column_config.TextColumn(
        t("fb_col_note", locale), max_chars=4000, disabled=read_only
    ),
    "key": st.column_config.TextColumn(t("fb_col_key", locale), disabled=True),
}
edited = st.data_editor(
    rows,
    key=EDITOR_KEY,
    hide_index=True,
    width="stretch",
    num_rows="fixed",
    column_config=column_config,
)
hidden_items = sum(sum(e.other_teams.values()) for e in backlog.entries)
if hidden_items and not viewer.sees_all_teams:
    st.caption(":material/lock: " + t("fb_other_teams", locale, n=hidden_items))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _changes() -> list[tuple[str, dict[str, object]]]:
    """What the reader changed, row by row: the entry's key as the row holds it (the workflow
    decides whether this reader may edit it) and the fields that differ."""
    found = []
    for position in range(len(edited)):
        after, before = edited.iloc[position], original.iloc[position]
        changes: dict[str, object] = {}
        for name in EDITABLE:
            new, old = after[name], before[name]
            if _blank(new) and _blank(old):
                continue
            if _blank(new) != _blank(old) or new != old:
                value = None if _blank(new) else new
                changes[name] = code_of.get(str(value), value) if name == "status" else value
        if changes:
            found.append((str(after["key"]), changes))
    return found


if read_only:
    st.caption(":material/lock: " + t("fb_read_only", locale))
elif st.button(t("fb_save", locale), key="feedback_save", icon=":material/save:"):
    pending = _changes()
    if not pending:
        st.info(t("fb_nothing", locale))
    else:
        try:
            stored = data_feedback.save_edits(config, viewer, pending)
        except (EditRefused, ValueError) as exc:
            st.error(t("fb_refused", locale, reason=md(exc)), icon=":material/block:")
        else:
            st.success(t("fb_saved", locale, n=stored), icon=":material/check:")

# ---- Correct the themes: merge, split, give back ---------------------------------------------
themed = [  # themes with an item this viewer may move (an ambassador: their teams')
    e
    for e in backlog.entries
    if e.theme_id is not None and any(viewer.may_edit_team(f.team) for f in e.feedback)
]
flash = st.session_state.pop("feedback_regroup_flash", None)
if flash:
    st.success(flash, icon=":material/check:")
if not read_only and themed:
    with st.expander(t("fb_regroup_title", locale), icon=":material/merge:"):
        st.caption(t("fb_regroup_help", locale))
        names = {
            e.theme_id: f"{e.title} · {t('fb_n_items', locale, n=len(e.feedback))}" for e in themed
        }

        def _regroup(action: str, message: str, **kwargs: object) -> None:
            try:
                data_feedback.regroup(config, viewer, action, **kwargs)  # type: ignore[arg-type]
            except (EditRefused, ValueError) as exc:
                st.error(t("fb_refused", locale, reason=md(exc)), icon=":material/block:")
            else:
                st.session_state["feedback_regroup_flash"] = message
                st.rerun()

        chosen = st.multiselect(
            t("fb_merge_pick", locale),
            list(names),
            format_func=lambda theme_id: names[theme_id],
            key="feedback_merge_pick",
        )
        if st.button(
            t("fb_merge", locale),
            key="feedback_merge",
            icon=":material/merge:",
            disabled=len(chosen) < 2,
        ):
            _regroup(
                "merge",
                t("fb_merged", locale, n=len(chosen), into=md(names[chosen[0]])),
                into=chosen[0],
                themes=chosen[1:],
            )
        source = st.selectbox(
            t("fb_split_theme", locale),
            list(names),
            format_func=lambda theme_id: names[theme_id],
            key="feedback_split_theme",
        )
        entry = next(e for e in themed if e.theme_id == source)
        titles = {
            f.id: f"#{f.id} · {f.title or f.text[:60]}"
            for f in entry.feedback
            if viewer.may_edit_team(f.team)
        }
        picked = st.multiselect(
            t("fb_split_items", locale),
            list(titles),
            format_func=lambda item_id: titles[item_id],
            key="feedback_split_items",
        )
        split, release = st.columns(2)
        with split:
            if st.button(
                t("fb_split", locale),
                key="feedback_split",
                icon=":material/call_split:",
                disabled=not picked,
            ):
                _regroup("unmerge", t("fb_split_done", locale, n=len(picked)), items=picked)
        with release:
            if st.button(
                t("fb_release", locale),
                key="feedback_release",
                icon=":material/auto_awesome:",
                disabled=not picked,
                help=t("fb_release_help", locale),
            ):
                _regroup("release", t("fb_released", locale, n=len(picked)), items=picked)

# ---- Impact / effort -----------------------------------------------------------------------
st.subheader(t("fb_chart_title", locale))
settings = backlog_settings(config)
open_entries = [e for e in backlog.entries if e.lane != "closed"]
if open_entries:
    points = pd.DataFrame(
        [
            {
                "title": e.title,
                "effort": e.effort,
                "value": round(e.value, 2),
                "score": round(e.score, 2),
                "people": e.people,
                "lane": t(f"fb_lane_{e.lane}", locale),
                "quick_win": "★" if e.quick_win else "",
                "status": labels[e.status],
            }
            for e in open_entries
        ]
    )
    median = float(points["value"].median())
    top = max(float(points["value"].max()), median) * 1.1 or 1.0
    quadrant = (
        alt.Chart(
            pd.DataFrame([{"x": 0.0, "x2": settings.quick_win_max_effort, "y": median, "y2": top}])
        )
        .mark_rect(color="#2e7d32", opacity=0.12)
        .encode(x="x:Q", x2="x2:Q", y="y:Q", y2="y2:Q")
    )
    scatter = (
        alt.Chart(points)
        .mark_circle(size=140, opacity=0.85)
        .encode(
            x=alt.X("effort:Q", title=t("fb_col_effort", locale)),
            y=alt.Y("value:Q", title=t("fb_col_value", locale)),
            color=alt.Color(
                "lane:N",
                title=t("fb_col_lane", locale),
                scale=alt.Scale(
                    domain=[t("fb_lane_urgent", locale), t("fb_lane_backlog", locale)],
                    range=["#c62828", "#1565c0"],
                ),
            ),
            tooltip=[
                alt.Tooltip("title:N", title=t("fb_col_title", locale)),
                alt.Tooltip("score:Q", title=t("fb_col_score", locale)),
                alt.Tooltip("value:Q", title=t("fb_col_value", locale)),
                alt.Tooltip("effort:Q", title=t("fb_col_effort", locale)),
                alt.Tooltip("people:Q", title=t("fb_col_people", locale)),
                alt.Tooltip("status:N", title=t("fb_col_status", locale)),
                alt.Tooltip("quick_win:N", title=t("fb_col_quick_win", locale)),
            ],
        )
    )
    st.altair_chart(quadrant + scatter, width="stretch")
    st.caption(
        t(
            "fb_chart_caption",
            locale,
            max_effort=i18n.number(settings.quick_win_max_effort, locale),
        )
    )

# ---- Download ------------------------------------------------------------------------------
st.download_button(
    t("fb_download", locale),
    data=data_feedback.backlog_csv(config, viewer),
    file_name=f"hypercare_backlog_{view.as_of.isoformat()}.csv",
    mime="text/csv",
    icon=":material/download:",
    key="feedback_csv",
)
