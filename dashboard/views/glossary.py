"""Glossaire / Glossary — "What does this number mean?"

The data dictionary from the KPI registry (``metrics.kpis``), in the reader's language: code,
name, formula, unit, direction, default target and the target this config sets.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import i18n, ui
from dashboard.filters import current_view
from dashboard.i18n import t
from metrics.kpis import KPIS

view = current_view()
config, locale = view.config, view.locale

st.title(t("page_glossary", locale))
st.caption(t("glossary_question", locale))

rows = []
for code, kpi in KPIS.items():
    configured = config.targets.get(code)
    rows.append(
        {
            "code": code,
            "label": kpi.label(locale),
            "formula": kpi.formula(locale),
            "unit": t(f"unit_{kpi.unit}", locale),
            "direction": ("↑ " if kpi.direction == "up" else "↓ ")
            + t(f"direction_{kpi.direction}", locale),
            "default_target": i18n.kpi_value(code, kpi.default_target, locale)
            if kpi.default_target is not None
            else "",
            "configured_target": i18n.kpi_value(code, configured, locale)
            if configured is not None
            else "",
            "computed": t("yes", locale) if kpi.computed else t("not_yet", locale),
        }
    )
ui.table(
    pd.DataFrame(rows),
    view,
    key="glossary_csv",
    labels={
        "code": t("code", locale),
        "label": t("kpi", locale),
        "formula": t("formula", locale),
        "unit": t("unit", locale),
        "direction": t("direction", locale),
        "default_target": t("default_target", locale),
        "configured_target": t("configured_target", locale),
        "computed": t("computed", locale),
    },
    file_name="glossary",
    height=36 * (len(rows) + 1) + 4,
)
st.caption(t("glossary_note", locale))
