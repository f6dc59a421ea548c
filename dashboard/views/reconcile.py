"""Cohérence des données / Data consistency — "Does the new system hold what the old one did?"

The consistency audit's latest result per entity (``hypercare reconcile``): its status, whether it
drifted since the initial audit, the differences by class; then one entity's history (its
differences over the audits) and samples of the keys that differ. Managers and support leads.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import data_reconcile, i18n, ui
from dashboard.filters import current_view
from dashboard.i18n import t
from dashboard.safe_text import md

STATUS_ICONS = {"pass": "✅", "fail": "❌", "error": "⚠️"}
STATUS_COLOURS = {"pass": "#2ca02c", "fail": "#d62728", "error": "#ff7f0e"}

view = current_view()
config, locale, viewer = view.config, view.locale, view.viewer

st.title(t("page_reconcile", locale))
st.caption(t("rc_question", locale))

if not data_reconcile.configured(config):
    st.info(t("rc_not_configured", locale), icon=":material/info:")
    st.stop()
entities = data_reconcile.entities(config, viewer)
if entities.empty:
    st.info(t("rc_never", locale), icon=":material/info:")
    st.stop()


def _status(value: str | None) -> str:
    if not value:
        return "—"
    return f"{STATUS_ICONS.get(value, '')} {t('rc_status_' + value, locale)}".strip()


cards = st.columns(4)
counts = entities["status"].value_counts().to_dict()
for column, status in zip(cards[:3], ("pass", "fail", "error"), strict=True):
    with column:
        st.metric(_status(status), i18n.number(counts.get(status, 0), locale), border=True)
with cards[3]:
    st.metric(
        f"🆕 {t('rc_drift', locale)}",
        i18n.number(int(entities["drift"].sum()), locale),
        border=True,
        help=t("rc_drift_help", locale),
    )

shown = entities.assign(
    status_text=[_status(s) for s in entities["status"]],
    previous_text=[_status(s) for s in entities["previous_status"]],
    drift_text=[f"🆕 {t('rc_drift', locale)}" if d else "" for d in entities["drift"]],
    checked=[ui.local_time(pd.Timestamp(v) if v else None, view) for v in entities["checked_at"]],
)
ui.table(
    shown,
    view,
    key="reconcile_entities_csv",
    labels={
        "entity": t("rc_entity", locale),
        "status_text": t("state", locale),
        "drift_text": t("rc_drift", locale),
        "previous_text": t("rc_previous", locale),
        "checked": t("rc_checked", locale),
        "rows_legacy": t("rc_rows_legacy", locale),
        "rows_new": t("rc_rows_new", locale),
        "missing_in_new": t("rc_missing", locale),
        "extra_in_new": t("rc_extra", locale),
        "changed": t("rc_changed", locale),
        "duplicates": t("rc_duplicates", locale),
        "initial_differences": t("rc_initial", locale),
        "message": t("rc_message", locale),
    },
    file_name="reconciliation",
)

# ---- One entity: history and samples ------------------------------------------------------------
st.subheader(t("rc_entity_title", locale))
names = entities["entity"].tolist()
failing = entities.loc[entities["status"] != "pass", "entity"].tolist()
entity = st.selectbox(
    t("rc_entity", locale),
    names,
    index=names.index(failing[0]) if failing else 0,
    key="reconcile_entity",
)
past = data_reconcile.entity_history(config, viewer, entity)
if len(past) > 1:
    past = past.assign(status_text=[_status(s) for s in past["status"]])
    base = alt.Chart(past).encode(
        x=alt.X("checked_at:T", title=t("rc_checked", locale)),
        y=alt.Y("differences:Q", title=t("rc_differences", locale)),
    )
    points = base.mark_circle(size=80).encode(
        color=alt.Color(
            "status:N",
            scale=alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values())),
            legend=alt.Legend(title=t("state", locale)),
        ),
        tooltip=[
            alt.Tooltip("checked_at:T", title=t("rc_checked", locale), format="%d/%m/%Y %H:%M"),
            alt.Tooltip("status_text:N", title=t("state", locale)),
            alt.Tooltip("differences:Q", title=t("rc_differences", locale)),
        ],
    )
    st.altair_chart(base.mark_line(color="#999") + points, use_container_width=True)
else:
    st.caption(t("rc_one_run", locale))

found = data_reconcile.samples(config, viewer, entity)
row = entities.loc[entities["entity"] == entity].iloc[0]
if row["message"]:
    st.warning(md(row["message"]), icon=":material/warning:")
missing, extra = found.get("missing_in_new") or [], found.get("extra_in_new") or []
changed = found.get("changed") or []
duplicates = found.get("duplicate_keys") or {}
if not (missing or extra or changed or any(duplicates.values())):
    st.success(t("rc_no_samples", locale), icon=":material/check_circle:")
left, right = st.columns(2)
with left:
    if missing:
        st.markdown(f"**{t('rc_missing', locale)}**")
        st.dataframe(
            pd.DataFrame({t("rc_key", locale): [str(k) for k in missing]}), hide_index=True
        )
with right:
    if extra:
        st.markdown(f"**{t('rc_extra', locale)}**")
        st.dataframe(pd.DataFrame({t("rc_key", locale): [str(k) for k in extra]}), hide_index=True)
if changed:
    st.markdown(f"**{t('rc_changed', locale)}**")
    st.dataframe(
        pd.DataFrame(
            {
                t("rc_key", locale): [str(c.get("key")) for c in changed],
                t("rc_columns", locale): [", ".join(c.get("columns") or []) for c in changed],
                t("rc_legacy_value", locale): [str(c.get("legacy")) for c in changed],
                t("rc_new_value", locale): [str(c.get("new")) for c in changed],
            }
        ),
        hide_index=True,
    )
for side, keys in duplicates.items():
    if keys:
        st.markdown(f"**{t('rc_duplicates', locale)} · {t('rc_side_' + side, locale)}**")
        st.dataframe(pd.DataFrame({t("rc_key", locale): [str(k) for k in keys]}), hide_index=True)
st.caption(t("rc_samples_note", locale))
