"""The alerts page's reads and writes (``metrics.alerts``): current alerts, their history as
timeline segments, acknowledge and silence. Same rules as ``data.py``: cached reads, no SQL,
scoped to the viewer (an ambassador receives the whole company, the waves and their own teams
only); writes are for managers and support leads and clear the caches of what they changed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from dashboard import data_ops
from dashboard.data import TTL_SECONDS, get_store, require
from metrics.alerts.evaluate import AlertError, acknowledge, active_alerts, silence, transitions
from metrics.alerts.rules import AlertsConfig
from metrics.viewer import Viewer

if TYPE_CHECKING:
    from hypercare.config import Config

HISTORY_LIMIT = 2000
WRITERS = ("manager", "support")
SEGMENT_COLUMNS = ["rule", "scope", "state", "start", "end", "value"]

__all__ = ["AlertError", "may_act"]


def _section(config: Config) -> AlertsConfig | None:
    alerts = config.sections.get("alerts")
    return alerts if isinstance(alerts, AlertsConfig) and alerts.rules else None


def _rules_key(alerts: AlertsConfig) -> tuple[str, ...]:
    return tuple(sorted(r.name for r in alerts.rules))


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _active(store_url: str, rules: tuple[str, ...], _alerts: AlertsConfig) -> list[dict[str, Any]]:
    return active_alerts(get_store(store_url), _alerts)


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _transitions(store_url: str) -> list[dict[str, Any]]:
    return transitions(get_store(store_url), limit=HISTORY_LIMIT)


def may_act(viewer: Viewer) -> bool:
    """Whether the viewer may acknowledge and silence alerts."""
    return viewer.role in WRITERS


def configured(config: Config) -> bool:
    """Whether the config has alert rules."""
    return _section(config) is not None


def current(config: Config, viewer: Viewer) -> list[dict[str, Any]]:
    """The firing and pending alerts the viewer may see, firing and most severe first."""
    alerts = _section(config)
    if alerts is None:
        return []
    rows = _active(config.store_url, _rules_key(alerts), alerts)
    return [a for a in rows if data_ops._scope_ok(viewer, a["scope"])]


def timeline(config: Config, viewer: Viewer, as_of: dt.date) -> pd.DataFrame:
    """One segment per state an alert (rule × scope) was in: ``rule``, ``scope``, ``state``,
    ``start``, ``end`` (datetime64, the next transition's day or the day after ``as_of``) and
    ``value``, for the configured rules and the scopes the viewer may see."""
    alerts = _section(config)
    if alerts is None:
        return pd.DataFrame(columns=SEGMENT_COLUMNS)
    names = set(_rules_key(alerts))
    rows = [
        h
        for h in _transitions(config.store_url)
        if h["rule"] in names and h["as_of"] and data_ops._scope_ok(viewer, h["scope"])
    ]
    end_of_view = as_of + dt.timedelta(days=1)
    segments: list[dict[str, Any]] = []
    by_alert: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for h in rows:
        by_alert.setdefault((h["rule"], h["scope"]), []).append(h)
    for (rule, scope), items in sorted(by_alert.items()):
        items.sort(key=lambda h: (h["as_of"], h["at"]))
        for i, h in enumerate(items):
            start = dt.date.fromisoformat(h["as_of"])
            end = (
                dt.date.fromisoformat(items[i + 1]["as_of"]) if i + 1 < len(items) else end_of_view
            )
            if start > as_of:
                continue
            end = max(min(end, end_of_view), start + dt.timedelta(days=1))
            segments.append(
                {
                    "rule": rule,
                    "scope": scope,
                    "state": h["to"],
                    "start": start,
                    "end": end,
                    "value": h["value"],
                }
            )
    frame = pd.DataFrame(segments, columns=SEGMENT_COLUMNS)
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    return frame


def _clear() -> None:
    _active.clear()
    _transitions.clear()
    data_ops._alert_states.clear()


def _find(config: Config, viewer: Viewer, rule: str, scope: str) -> AlertsConfig:
    require(viewer, *WRITERS)
    alerts = _section(config)
    if alerts is None:
        raise AlertError("no alerts: section in this config")
    if not data_ops._scope_ok(viewer, scope):
        raise AlertError(f"{scope} is not a scope this viewer may see")
    return alerts


def acknowledge_alert(
    config: Config, viewer: Viewer, rule: str, scope: str, comment: str | None
) -> dict[str, Any]:
    """Acknowledge an active alert in the viewer's name (their e-mail, or ``local``)."""
    alerts = _find(config, viewer, rule, scope)
    try:
        return acknowledge(
            get_store(config.store_url), alerts, rule, scope, viewer.email or "local", comment
        )
    finally:
        _clear()


def silence_alert(
    config: Config, viewer: Viewer, rule: str, scope: str, until: dt.date
) -> dict[str, Any]:
    """No notification for this alert through ``until`` (inclusive)."""
    alerts = _find(config, viewer, rule, scope)
    try:
        return silence(get_store(config.store_url), alerts, rule, scope, until)
    finally:
        _clear()
