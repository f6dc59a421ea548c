"""The dashboard's only way to the metrics store: cached reads, returned as pandas frames.

* The opened store is a ``st.cache_resource`` (one engine per store URL per server process).
* Reads are ``st.cache_data`` keyed on plain values (URL, days, group size), so a rerun of the
  page costs nothing for a minute, and a cached value is a private copy for each caller.
* Privacy lives here, so that no page can forget it: a scope the report suppresses (fewer
  licensed users than ``privacy.min_group_size``) is dropped from every frame this module
  returns — the series keep only the scopes the report shows, never "all but the suppressed".

Pages never write SQL; they call these functions, which call ``metrics``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from metrics.adoption import USER_KPIS, daily_series, has_usage
from metrics.report import build_report
from metrics.scopes import Scope, licensed_counts, publishable_population
from metrics.store import Store, open_store

TTL_SECONDS = 60
SNAPSHOT_COLUMNS = ["scope", "kind", "name", *USER_KPIS]
SERIES_COLUMNS = ["day", "scope", "kind", "name", *USER_KPIS]


@dataclass(frozen=True)
class StoreStatus:
    """What the store holds, to choose between the page and an empty state."""

    has_roster: bool
    has_usage: bool
    has_usage_as_of: bool


@dataclass(frozen=True)
class Snapshot:
    """Every shown scope's user KPIs on ``as_of`` (one row per scope) and how many are hidden.

    ``scopes`` never holds a suppressed scope; ``suppressed`` only counts them, per kind.
    """

    as_of: dt.date
    scopes: pd.DataFrame
    suppressed: dict[str, int]

    def overall(self) -> dict[str, float | int | None] | None:
        """The KPIs of scope ``all``, or None when it is suppressed."""
        rows = self.scopes[self.scopes["scope"] == "all"]
        if rows.empty:
            return None
        return {code: _plain(rows.iloc[0][code]) for code in USER_KPIS}

    def teams(self) -> pd.DataFrame:
        """One row per shown team, sorted by name (a new frame)."""
        frame = self.scopes[self.scopes["kind"] == "team"]
        return frame.sort_values("name").reset_index(drop=True)

    def team_names(self) -> list[str]:
        """The shown teams, sorted."""
        return self.teams()["name"].tolist()


@st.cache_resource(show_spinner=False)
def get_store(store_url: str) -> Store:
    """The opened (and migrated) store; raises StoreError with a readable message."""
    return open_store(store_url)


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def store_status(store_url: str, as_of: dt.date) -> StoreStatus:
    """Whether the store has a roster, any usage, and usage on or before ``as_of``."""
    with get_store(store_url).session() as session:
        roster = any(scope.kind != "all" for scope in licensed_counts(session))
        return StoreStatus(
            has_roster=roster,
            has_usage=has_usage(session),
            has_usage_as_of=has_usage(session, as_of),
        )


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def snapshot(store_url: str, as_of: dt.date, min_group_size: int) -> Snapshot:
    """The report of ``as_of`` (as ``hypercare report`` computes it) as a frame of shown scopes."""
    report = build_report(get_store(store_url), as_of, min_group_size)
    rows = []
    for text, values in report["scopes"].items():
        scope = Scope.parse(text)
        rows.append(
            {"scope": text, "kind": scope.kind, "name": scope.value}
            | {code: values.get(code) for code in USER_KPIS}
        )
    suppressed: dict[str, int] = {}
    for text in report["suppressed"]:
        kind = Scope.parse(text).kind
        suppressed[kind] = suppressed.get(kind, 0) + 1
    return Snapshot(as_of, _typed(pd.DataFrame(rows, columns=SNAPSHOT_COLUMNS)), suppressed)


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def user_kpi_series(
    store_url: str, start: dt.date, end: dt.date, min_group_size: int
) -> pd.DataFrame:
    """Daily user KPIs of ``all`` and of each shown team from ``start`` to ``end`` (inclusive).

    One row per day and scope, columns ``day`` (datetime64), ``scope``, ``kind``, ``name`` and
    one column per user KPI. Only the scopes the report of ``end`` shows are kept.
    """
    shown = set(snapshot(store_url, end, min_group_size).scopes["scope"])
    with get_store(store_url).session() as session:
        population = publishable_population(session, min_group_size)
        rows = daily_series(session, start, end, ("all", "team"), population)
    long = pd.DataFrame(rows, columns=["day", "scope", "kpi", "value"])
    long = long[long["scope"].isin(shown)]
    if long.empty:
        return _typed(pd.DataFrame(columns=SERIES_COLUMNS))
    wide = long.pivot(index=["day", "scope"], columns="kpi", values="value").reset_index()
    wide.columns.name = None
    parsed = [Scope.parse(s) for s in wide["scope"]]
    wide["kind"] = [s.kind for s in parsed]
    wide["name"] = [s.value for s in parsed]
    wide["day"] = pd.to_datetime(wide["day"])
    wide = wide.reindex(columns=SERIES_COLUMNS)
    return _typed(wide.sort_values(["scope", "day"]).reset_index(drop=True))


def for_teams(frame: pd.DataFrame, teams: Iterable[str], *, keep_all: bool = True) -> pd.DataFrame:
    """The rows of the given teams (and of ``all`` unless ``keep_all`` is false), as a new frame."""
    wanted = frame["kind"].eq("team") & frame["name"].isin(list(teams))
    if keep_all:
        wanted |= frame["kind"].eq("all")
    return frame[wanted].reset_index(drop=True)


def value_on(series: pd.DataFrame, scope: str, day: dt.date, code: str) -> float | None:
    """One KPI of one scope on one day of a series, or None."""
    rows = series[(series["scope"] == scope) & (series["day"] == pd.Timestamp(day))]
    if rows.empty:
        return None
    return _plain(rows.iloc[0][code])


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Give KPI columns a numeric dtype (missing values as NaN), whatever the rows held."""
    for code in USER_KPIS:
        frame[code] = pd.to_numeric(frame[code], errors="coerce").astype("float64")
    return frame


def _plain(value: object) -> float | int | None:
    """A frame cell as a plain Python number (None for a missing value)."""
    if value is None or pd.isna(value):
        return None
    number = float(value)  # type: ignore[arg-type]
    return int(number) if number.is_integer() and abs(number) >= 1 else number
