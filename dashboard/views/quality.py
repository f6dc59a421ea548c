"""Qualité des données / Data quality — "Can I trust these numbers?"

Per source: its state (ok, late, error, never read), last read, freshness and the ledger's
totals; the quarantine review (every refused row with its file, line, stage, reason and raw
text) with its CSV; roster coverage (records whose user is not in the roster); the file ledger.
Managers only (raw lines may hold names and addresses): ``app.py`` routes no one else here, and
``dashboard.data_ops`` refuses them anyway.
"""

from __future__ import annotations

import datetime

import pandas as pd
import streamlit as st

from dashboard import data_ops, i18n, ui
from dashboard.filters import current_view
from dashboard.i18n import t

STATE_ICONS = {"ok": "✅", "late": "⚠️", "error": "❌", "never": "⏳"}

view = current_view()
config, locale, as_of, viewer = view.config, view.locale, view.as_of, view.viewer
today = view.today or as_of

st.title(t("page_quality", locale))
st.caption(t("quality_question", locale))

# ---- Sources -----------------------------------------------------------------------------------
health, last_run = data_ops.source_health(config, today, viewer)
if health.empty:
    st.info(t("no_sources", locale), icon=":material/info:")
    st.stop()
if last_run is None:
    st.info(t("never_collected", locale), icon=":material/info:")
else:
    st.caption(t("fresh_as_of", locale, when=ui.local_time(last_run["finished_at"], view)))
counts = health["state"].value_counts().to_dict()
cards = st.columns(4)
for column, state in zip(cards, ("ok", "late", "error", "never"), strict=True):
    with column:
        st.metric(
            f"{STATE_ICONS[state]} {t('state_' + state, locale)}",
            i18n.number(counts.get(state, 0), locale),
            border=True,
        )


def _age(seconds: float | None) -> str:
    """An age in seconds under a minute, minutes under an hour, hours under two days, then days."""
    if seconds is None or pd.isna(seconds):
        return "—"
    if seconds < 60:
        return f"{i18n.number(round(seconds), locale)} s"
    if seconds < 3600:
        return f"{i18n.number(round(seconds / 60), locale)} min"
    if seconds < 48 * 3600:
        return f"{i18n.number(round(seconds / 3600), locale)} h"
    return f"{i18n.number(round(seconds / 86400), locale)} {'j' if locale == 'fr' else 'd'}"


def _run_age(seconds: float | None, late: bool, limit: float) -> str:
    text = _age(seconds)
    return f"{text} · {t('run_late_flag', locale, limit=_age(limit))}" if late else text


st.subheader(t("sources_title", locale))
st.caption(t("freshness_caption", locale))
sources = health.assign(
    state_text=[f"{STATE_ICONS[s]} {t('state_' + s, locale)}" for s in health["state"]],
    last=[ui.local_time(v, view) for v in health["last_read"]],
    success=[ui.local_time(v, view) for v in health["last_success"]],
    run_age=[
        _run_age(age, bool(late), limit)
        for age, late, limit in zip(
            health["run_age_seconds"],
            health["run_late"],
            health["run_late_after_seconds"],
            strict=True,
        )
    ],
    newest=[
        i18n.date(v if isinstance(v, datetime.date) else None, locale) for v in health["newest_day"]
    ],
    error=[e or "" for e in health["last_error"]],
)
ui.table(
    sources,
    view,
    key="quality_sources_csv",
    labels={
        "source": t("source", locale),
        "kind": t("kind", locale),
        "state_text": t("state", locale),
        "success": t("last_success", locale),
        "run_age": t("run_age", locale),
        "last": t("last_read", locale),
        "newest": t("newest_day", locale),
        "age_days": t("age_days", locale),
        "rows_read": t("rows_read", locale),
        "accepted": t("accepted", locale),
        "duplicates": t("duplicates", locale),
        "quarantined": t("quarantined", locale),
        "error": t("last_error", locale),
    },
    file_name="sources",
)

# ---- Quarantine review -------------------------------------------------------------------------
st.subheader(t("quarantine_title", locale))
rows = data_ops.quarantine(config, viewer)
if rows.empty:
    st.success(t("quarantine_empty", locale), icon=":material/check_circle:")
else:
    st.caption(t("quarantine_caption", locale, n=len(rows)))
    ui.table(
        rows,
        view,
        key="quality_quarantine_csv",
        labels={
            "source": t("source", locale),
            "path": t("file", locale),
            "line": t("line", locale),
            "stage": t("stage", locale),
            "reason": t("reason", locale),
            "raw": t("raw", locale),
        },
        file_name="quarantine",
    )

# ---- Roster coverage ----------------------------------------------------------------------------
st.subheader(t("coverage_title", locale))
coverage = data_ops.roster_coverage(config, as_of, viewer)
if coverage.empty:
    st.info(t("coverage_empty", locale), icon=":material/info:")
else:
    share = coverage["records_outside"] / coverage["records"].where(coverage["records"] > 0)
    coverage = coverage.assign(
        share=[i18n.percent(v, locale) if pd.notna(v) else "—" for v in share]
    )
    st.caption(t("coverage_caption", locale, date=i18n.date(as_of, locale)))
    ui.table(
        coverage,
        view,
        key="quality_coverage_csv",
        labels={
            "source": t("source", locale),
            "kind": t("kind", locale),
            "records": t("records", locale),
            "records_outside": t("records_outside", locale),
            "share": t("share_outside", locale),
            "identifiers": t("identifiers", locale),
            "identifiers_outside": t("identifiers_outside", locale),
        },
        file_name="roster_coverage",
    )

# ---- Files read ---------------------------------------------------------------------------------
with st.expander(t("ledger_title", locale)):
    ledger = data_ops.file_ledger(config, viewer)
    ledger = ledger.assign(finished=[ui.local_time(v, view) for v in ledger["finished_at"]])
    ui.table(
        ledger,
        view,
        key="quality_ledger_csv",
        labels={
            "finished": t("last_read", locale),
            "source": t("source", locale),
            "path": t("file", locale),
            "status": t("state", locale),
            "rows_read": t("rows_read", locale),
            "accepted": t("accepted", locale),
            "duplicates": t("duplicates", locale),
            "quarantined": t("quarantined", locale),
            "error": t("last_error", locale),
        },
        file_name="files",
    )
