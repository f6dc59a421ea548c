"""Pieces every page uses: empty states that say what to configure, KPI cards with their target
and change, and tables with their CSV download."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from dashboard import data, i18n, tables
from dashboard.filters import View
from dashboard.i18n import t
from metrics.kpis import KPIS, target_for


def empty_state(view: View, kind: str) -> str:
    """What to do when the store has nothing of ``kind``: configure a source, or collect it."""
    config, locale = view.config, view.locale
    names = [src.name for src in config.sources if src.kind == kind]
    if not names:
        return t(f"no_{kind}_configure", locale)
    quoted = ", ".join(f"« {n} »" if locale == "fr" else f"'{n}'" for n in names)
    return t(f"no_{kind}_collect", locale, sources=quoted)


def stop_without_usage(view: View) -> data.StoreStatus:
    """Show the empty states and stop the page when there is no roster or usage to show."""
    status = data.store_status(view.config.store_url, view.as_of)
    missing = [
        empty_state(view, kind)
        for kind, present in (("roster", status.has_roster), ("usage", status.has_usage))
        if not present
    ]
    if missing:
        for message in missing:
            st.info(message, icon=":material/info:")
        st.stop()
    if not status.has_usage_as_of:
        st.info(
            t("no_usage_as_of", view.locale, date=i18n.date(view.as_of, view.locale)),
            icon=":material/info:",
        )
        st.stop()
    return status


def kpi_card(
    code: str,
    value: float | None,
    before: float | None,
    view: View,
    *,
    extra: str | None = None,
) -> None:
    """A KPI card: its value, the change since ``before`` coloured by the KPI's direction
    (a falling error rate is good news), and its target."""
    locale = view.locale
    kpi = KPIS[code]
    change = None if value is None or before is None else value - before
    target = target_for(code, view.config.targets)
    parts = []
    if target is not None:
        parts.append(t("target", locale, value=i18n.kpi_value(code, target, locale)))
    delta, color, arrow = None, "off", "off"
    if change is not None:
        delta = (
            i18n.points(change, locale)
            if kpi.unit == "ratio"
            else signed(change, locale, 0 if kpi.unit in ("users", "count") else 1)
        )
        good = change > 0 if kpi.direction == "up" else change < 0
        color = "gray" if change == 0 else "green" if good else "red"
        arrow = "off" if change == 0 else "up" if change > 0 else "down"
        parts.append(t("change_7d", locale))
    elif parts:
        delta, parts = parts[0], parts[1:]
    if extra:
        parts.append(extra)
    st.metric(
        i18n.kpi_label(code, locale),
        i18n.kpi_value(code, value, locale),
        delta=delta,
        delta_color=color,
        delta_arrow=arrow,
        delta_description=" · ".join(parts) or None,
        help=i18n.kpi_help(code, locale),
        border=True,
    )


def signed(change: float, locale: str, decimals: int = 0) -> str:
    """``+3``, ``−1,5``, ``0``."""
    sign = "+" if change > 0 else "−" if change < 0 else ""
    return (
        sign + i18n.number(abs(change), locale)
        if decimals == 0
        else sign + (i18n.format_number(abs(change), locale, decimals))
    )


def table(
    frame: pd.DataFrame,
    view: View,
    *,
    key: str,
    labels: Mapping[str, str],
    file_name: str,
    column_config: Mapping[str, object] | None = None,
    height: int | str = "auto",
) -> None:
    """A table (columns in ``labels``' order, headers in words) and its CSV download button."""
    columns = [c for c in labels if c in frame.columns]
    config = {c: labels[c] for c in columns} | dict(column_config or {})
    st.dataframe(
        frame[columns],
        hide_index=True,
        width="stretch",
        height=height,
        column_config=config,
        key=f"{key}_table",
    )
    st.download_button(
        t("download_csv", view.locale),
        data=tables.csv_bytes(frame[columns], view.locale, labels),
        file_name=f"hypercare_{file_name}_{view.as_of.isoformat()}.csv",
        mime="text/csv",
        icon=":material/download:",
        key=key,
    )


def local_time(value: dt.datetime | None, view: View) -> str:
    """An instant as the company's local date and time (``23/11/2026 18:59``)."""
    if value is None or pd.isna(value):
        return "—"
    local = pd.Timestamp(value).tz_convert(view.config.tz).to_pydatetime()
    return f"{i18n.date(local.date(), view.locale)} {local:%H:%M}"
