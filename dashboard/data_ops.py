"""The dashboard's operational reads: support tickets and error logs, data quality, alert
states. Same rules as ``data.py`` (cached, no SQL, scoped to the viewer where data is read):

* support rows (open tickets) go to managers and support leads; an ambassador receives only the
  tickets of their own teams;
* data quality (sources, ledger, quarantine with its raw lines, roster coverage) is for managers;
* alert states are read by anyone, each viewer getting the scopes they may see.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from dashboard.data import TTL_SECONDS, get_store, may_see_scope, require
from metrics import quality, support_views
from metrics.quarantine import list_quarantine
from metrics.scopes import publishable_population
from metrics.viewer import Viewer

if TYPE_CHECKING:
    from hypercare.config import Config

QUARANTINE_LIMIT = 1000
TICKET_COLUMNS = [
    "source",
    "ref",
    "subject",
    "priority",
    "status",
    "module",
    "team",
    "created_at",
    "age_h",
    "sla_state",
    "hours_left",
]


def _sla(config: Config) -> tuple[tuple[str, float | None, float | None], ...]:
    return tuple(
        (name, t.first_response, t.resolution) for name, t in sorted(config.sla_hours.items())
    )


# ---------------------------------------------------------------------------------- support


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _open_tickets(
    store_url: str,
    as_of: dt.date,
    timezone: str,
    sla: tuple[tuple[str, float | None, float | None], ...],
    min_group_size: int,
    now: dt.datetime,
) -> list[dict[str, Any]]:
    from zoneinfo import ZoneInfo

    with get_store(store_url).session() as session:
        population = publishable_population(session, min_group_size)
        return support_views.open_tickets(
            session,
            as_of,
            ZoneInfo(timezone),
            {name: (first, resolution) for name, first, resolution in sla},
            population,
            now=now,
        )


def open_tickets(config: Config, as_of: dt.date, viewer: Viewer) -> pd.DataFrame:
    """Tickets open at the end of ``as_of`` (or now, today) with their SLA state, most urgent
    first; an ambassador gets their own teams' tickets only."""
    require(viewer, "manager", "support", "ambassador")
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)  # a minute's cache key
    rows = _open_tickets(
        config.store_url,
        as_of,
        config.timezone,
        _sla(config),
        config.privacy.min_group_size,
        now,
    )
    if not viewer.sees_all_teams:
        rows = [r for r in rows if r["team"] is not None and viewer.may_see_team(r["team"])]
    frame = pd.DataFrame(rows, columns=TICKET_COLUMNS)
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    for column in ("age_h", "hours_left"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _response_times(
    store_url: str, start: dt.date, end: dt.date, timezone: str, min_group_size: int
) -> list[dict[str, Any]]:
    from zoneinfo import ZoneInfo

    with get_store(store_url).session() as session:
        population = publishable_population(session, min_group_size)
        return support_views.weekly_response_times(
            session, start, end, ZoneInfo(timezone), population
        )


def response_times(config: Config, start: dt.date, end: dt.date, viewer: Viewer) -> pd.DataFrame:
    """Per week of creation: tickets created and median first-response and resolution hours."""
    require(viewer, "manager", "support")
    rows = _response_times(
        config.store_url, start, end, config.timezone, config.privacy.min_group_size
    )
    frame = pd.DataFrame(
        rows, columns=["week", "created", "first_response_p50_h", "resolution_p50_h"]
    )
    frame["week"] = pd.to_datetime(frame["week"])
    return frame


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _errors_by_module(store_url: str, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    with get_store(store_url).session() as session:
        return support_views.errors_by_module(session, start, end)


def errors_by_module(config: Config, start: dt.date, end: dt.date, viewer: Viewer) -> pd.DataFrame:
    """Error-log entries (level error or above) per day and module, every day of the window
    present (0 when none)."""
    require(viewer, "manager", "support")
    rows = _errors_by_module(config.store_url, start, end)
    frame = pd.DataFrame(rows, columns=["day", "module", "errors"])
    if frame.empty:
        return frame.assign(day=pd.to_datetime(frame["day"]))
    days = pd.date_range(start, end, freq="D")
    full = pd.MultiIndex.from_product([sorted(frame["module"].unique()), days])
    frame["day"] = pd.to_datetime(frame["day"])
    frame = frame.set_index(["module", "day"]).reindex(full, fill_value=0)
    frame.index.names = ["module", "day"]
    return frame.reset_index()[["day", "module", "errors"]]


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _module_error_rates(store_url: str, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    from metrics.error_counts import error_rates_by_module

    with get_store(store_url).session() as session:
        return error_rates_by_module(session, start, end)


def module_error_rates(
    config: Config, start: dt.date, end: dt.date, viewer: Viewer
) -> pd.DataFrame:
    """Requests, errors and error_rate per module from the error counts (monitoring, aggregated
    CSVs) of the periods starting from ``start`` to ``end``; empty without counts."""
    require(viewer, "manager", "support")
    rows = _module_error_rates(config.store_url, start, end)
    return pd.DataFrame(rows, columns=["module", "requests", "errors", "error_rate"])


# ----------------------------------------------------------------------------- data quality


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _source_health(
    store_url: str,
    sources: tuple[tuple[str, str], ...],
    today: dt.date,
    timezone: str,
    intervals: tuple[tuple[str, float | None], ...] = (),
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    from zoneinfo import ZoneInfo

    with get_store(store_url).session() as session:
        rows = quality.source_health(
            session, sources, today, ZoneInfo(timezone), intervals=dict(intervals)
        )
        return rows, quality.last_collect(session)


def source_health(
    config: Config, today: dt.date, viewer: Viewer
) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    """Per source: state, last read, freshness and ledger totals; and the newest collect run.
    Anyone may read it (the overview's freshness line): it holds no person's data."""
    sources = tuple((s.name, s.kind) for s in config.sources)
    intervals = tuple((s.name, s.every) for s in config.sources)
    rows, run = _source_health(config.store_url, sources, today, config.timezone, intervals)
    return pd.DataFrame(rows), run


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _file_ledger(store_url: str) -> list[dict[str, Any]]:
    with get_store(store_url).session() as session:
        return quality.file_ledger(session)


def file_ledger(config: Config, viewer: Viewer) -> pd.DataFrame:
    """Every file read, newest first, with its counts (managers only)."""
    require(viewer, "manager")
    return pd.DataFrame(
        _file_ledger(config.store_url),
        columns=[
            "source",
            "kind",
            "path",
            "run_id",
            "status",
            "rows_read",
            "accepted",
            "duplicates",
            "quarantined",
            "error",
            "finished_at",
        ],
    )


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _quarantine(store_url: str) -> list[dict[str, Any]]:
    return list_quarantine(get_store(store_url), limit=QUARANTINE_LIMIT)


def quarantine(config: Config, viewer: Viewer) -> pd.DataFrame:
    """Unresolved quarantined rows with their raw text (managers only: raw lines may hold
    names and addresses the collectors never stored elsewhere)."""
    require(viewer, "manager")
    return pd.DataFrame(
        _quarantine(config.store_url),
        columns=["source", "kind", "path", "line", "stage", "reason", "raw", "created_at"],
    )


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _coverage(store_url: str, as_of: dt.date, timezone: str) -> list[dict[str, Any]]:
    from zoneinfo import ZoneInfo

    with get_store(store_url).session() as session:
        return quality.roster_coverage(session, as_of, ZoneInfo(timezone))


def roster_coverage(config: Config, as_of: dt.date, viewer: Viewer) -> pd.DataFrame:
    """Per source: records and identifiers of 30 days matching no roster person (managers)."""
    require(viewer, "manager")
    return pd.DataFrame(
        _coverage(config.store_url, as_of, config.timezone),
        columns=[
            "source",
            "kind",
            "records",
            "records_outside",
            "identifiers",
            "identifiers_outside",
        ],
    )


# ---------------------------------------------------------------------------------- alerts


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _alert_states(store_url: str) -> list[dict[str, Any]]:
    with get_store(store_url).session() as session:
        return quality.alert_states(session)


def alert_states(config: Config, viewer: Viewer) -> list[dict[str, Any]]:
    """The alert states the viewer may see (of the configured rules, when the alerts section is
    known); an empty list while the alerts have never run."""
    states = [a for a in _alert_states(config.store_url) if _scope_ok(viewer, a["scope"])]
    alerts = config.sections.get("alerts")
    rules = getattr(alerts, "rules", None)
    if rules is not None:
        names = {r.name for r in rules}
        states = [a for a in states if a["rule"] in names]
    return states


def _scope_ok(viewer: Viewer, scope: str) -> bool:
    try:
        return may_see_scope(viewer, scope)
    except ValueError:
        return viewer.sees_all_teams  # a scope pattern only the alerts understand
