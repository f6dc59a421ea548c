"""The dashboard's way to the metrics store (with ``data_ops.py`` for support, data quality and
alerts): cached reads, returned as pandas frames, already scoped to the viewer.

* The opened store is a ``st.cache_resource`` (one engine per store URL per server process).
* Reads are ``st.cache_data`` keyed on plain values (URL, days, group size, a settings key), so a
  rerun of the page costs nothing for a minute, and a cached value is a private copy per caller.
  Snapshots of past days, which the trend series are made of, are kept ten minutes.
* Privacy lives here, so that no page can forget it: a scope the report suppresses (fewer
  licensed users than ``privacy.min_group_size``) is dropped from every frame this module
  returns — the series keep only the scopes the report shows, never "all but the suppressed".
* Access lives here too: every public read takes the ``Viewer``. An ambassador receives the
  whole company, the waves and their own teams' rows; other teams only as a count
  (``Snapshot.other_teams``). Pages never filter for access themselves.

Pages never write SQL; they call these functions, which call ``metrics``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from metrics import compute, engagement
from metrics.adoption import USER_KPIS, has_usage
from metrics.kpis import COMPUTED, meets_target, target_for
from metrics.report import build_report
from metrics.scopes import (
    ALL,
    Scope,
    is_suppressed,
    licensed_counts,
    publishable_population,
    wave_order,
)
from metrics.store import Store, open_store
from metrics.viewer import Viewer

if TYPE_CHECKING:
    from hypercare.config import Config

TTL_SECONDS = 60
HISTORY_TTL_SECONDS = 600
SURVEY_DAYS = 90
SNAPSHOT_COLUMNS = ["scope", "kind", "name", *COMPUTED]
SERIES_COLUMNS = ["day", "scope", "kind", "name", *USER_KPIS]


class AccessDenied(PermissionError):
    """The viewer's role may not read this (a page that should not have been routed to)."""


def require(viewer: Viewer, *roles: str) -> None:
    """Raise AccessDenied unless ``viewer`` has one of ``roles``."""
    if viewer.role not in roles:
        raise AccessDenied(f"the {viewer.role} role may not read this")


def may_see_scope(viewer: Viewer, scope: str) -> bool:
    """The whole company and the waves are aggregates anyone may see; a team needs the right."""
    parsed = Scope.parse(scope)
    return parsed.kind != "team" or viewer.may_see_team(parsed.value)


def settings_of(config: Config) -> tuple[str, compute.Settings]:
    """The metrics settings of ``config`` and a text key that changes when they do."""
    settings = compute.Settings.from_config(config)
    return repr(settings), settings


@dataclass(frozen=True)
class StoreStatus:
    """What the store holds, to choose between the page and an empty state."""

    has_roster: bool
    has_usage: bool
    has_usage_as_of: bool
    has_tickets: bool = False
    has_errors: bool = False


@dataclass(frozen=True)
class Snapshot:
    """Every shown scope's KPIs on ``as_of`` (one row per scope), and what the report adds.

    ``scopes`` never holds a suppressed scope nor, for an ambassador, another team;
    ``suppressed`` only counts hidden scopes per kind, ``other_teams`` the teams the viewer
    sees as a count only, and ``other_teams_on_target`` how many of them meet the adoption target.
    """

    as_of: dt.date
    scopes: pd.DataFrame
    suppressed: dict[str, int]
    waves: list[dict[str, Any]] = field(default_factory=list)
    exit: dict[str, Any] | None = None
    not_in_roster: dict[str, int] | None = None
    other_teams: int = 0
    other_teams_on_target: int = 0
    # team scope → when it reaches the adoption target at this pace (the report's ``forecasts``)
    forecasts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def overall(self) -> dict[str, float | int | None] | None:
        """The KPIs of scope ``all``, or None when it is suppressed."""
        rows = self.scopes[self.scopes["scope"] == "all"]
        if rows.empty:
            return None
        return {code: plain(rows.iloc[0][code]) for code in COMPUTED}

    def teams(self) -> pd.DataFrame:
        """One row per shown team, sorted by name (a new frame)."""
        frame = self.scopes[self.scopes["kind"] == "team"]
        return frame.sort_values("name").reset_index(drop=True)

    def team_names(self) -> list[str]:
        """The shown teams, sorted."""
        return self.teams()["name"].tolist()

    def wave_names(self) -> list[str]:
        """The waves in go-live order (those the report judges, shown or not)."""
        return [w["wave"] for w in self.waves]


@st.cache_resource(show_spinner=False)
def get_store(store_url: str) -> Store:
    """The opened (and migrated) store; raises StoreError with a readable message."""
    return open_store(store_url)


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def store_status(store_url: str, as_of: dt.date) -> StoreStatus:
    """Whether the store has a roster, any usage (on or before ``as_of``), tickets, error logs."""
    from metrics.support_views import has_errors, has_tickets

    with get_store(store_url).session() as session:
        roster = any(scope.kind != "all" for scope in licensed_counts(session))
        return StoreStatus(
            has_roster=roster,
            has_usage=has_usage(session),
            has_usage_as_of=has_usage(session, as_of),
            has_tickets=has_tickets(session),
            has_errors=has_errors(session),
        )


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _report(
    store_url: str, as_of: dt.date, min_group_size: int, key: str, _settings: compute.Settings
) -> dict[str, Any]:
    return build_report(get_store(store_url), as_of, min_group_size, _settings)


def snapshot(config: Config, as_of: dt.date, viewer: Viewer) -> Snapshot:
    """The report of ``as_of`` (as ``hypercare report`` computes it) as the viewer may see it."""
    key, settings = settings_of(config)
    report = _report(config.store_url, as_of, config.privacy.min_group_size, key, settings)
    rows, others, others_on_target = [], 0, 0
    target = target_for("adoption_rate", config.targets)
    for text, values in report["scopes"].items():
        scope = Scope.parse(text)
        if not may_see_scope(viewer, text):
            others += 1
            others_on_target += bool(
                meets_target("adoption_rate", values.get("adoption_rate"), target)
            )
            continue
        rows.append(
            {"scope": text, "kind": scope.kind, "name": scope.value}
            | {code: values.get(code) for code in COMPUTED}
        )
    suppressed: dict[str, int] = {}
    for text in report["suppressed"]:
        kind = Scope.parse(text).kind
        suppressed[kind] = suppressed.get(kind, 0) + 1
    return Snapshot(
        as_of,
        _typed(pd.DataFrame(rows, columns=SNAPSHOT_COLUMNS), COMPUTED),
        suppressed,
        waves=report.get("waves", []),
        exit=report.get("exit"),
        not_in_roster=report.get("not_in_roster"),
        other_teams=others,
        other_teams_on_target=others_on_target,
        forecasts={
            scope: found
            for scope, found in (report.get("forecasts") or {}).items()
            if may_see_scope(viewer, scope)
        },
    )


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _shown_scopes(store_url: str, min_group_size: int) -> tuple[list[str], list[str]]:
    with get_store(store_url).session() as session:
        population = publishable_population(session, min_group_size)
        hidden = {Scope.parse(s) for s in population.suppressed}
        shown = {
            scope
            for scope, licensed in licensed_counts(session, population.people_filter()).items()
            if scope not in hidden and not is_suppressed(licensed, min_group_size)
        }
        waves = [w for w in wave_order(session) if Scope("wave", w) in shown]
    return sorted(str(s.value) for s in shown if s.kind == "team"), waves


def shown_scopes(config: Config, viewer: Viewer) -> tuple[list[str], list[str]]:
    """The teams (sorted) and waves (in go-live order) the report shows and ``viewer`` may see,
    without computing a report: what the sidebar's filters list on every page.

    The same rule as ``metrics.report.build_report``: a scope with people of the publishable
    population and at least ``privacy.min_group_size`` licensed users, and not suppressed
    (tests/app/test_data_privacy.py compares the two for every role)."""
    teams, waves = _shown_scopes(config.store_url, config.privacy.min_group_size)
    return [team for team in teams if viewer.may_see_team(team)], waves


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _overall(
    store_url: str,
    as_of: dt.date,
    min_group_size: int,
    codes: tuple[str, ...],
    key: str,
    _settings: compute.Settings,
) -> dict[str, Any] | None:
    with get_store(store_url).session() as session:
        population = publishable_population(session, min_group_size)
        values = compute.partial_snapshot(session, _settings, as_of, codes, population)
    found = values.get(ALL)
    if found is None or is_suppressed(int(found["licensed_users"] or 0), min_group_size):
        return None
    return {code: found.get(code) for code in codes}


def overall(config: Config, as_of: dt.date, codes: Sequence[str]) -> dict[str, Any] | None:
    """The whole company's KPIs ``codes`` on ``as_of`` as the report gives them (None when
    ``all`` is suppressed), computing only those: what a comparison with an earlier day needs,
    at a fraction of a report's cost (no forecasts, wave gates, feature scopes or other KPIs)."""
    key, settings = settings_of(config)
    return _overall(
        config.store_url, as_of, config.privacy.min_group_size, tuple(codes), key, settings
    )


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _user_series(
    store_url: str, start: dt.date, end: dt.date, min_group_size: int, groupings: tuple[str, ...]
) -> pd.DataFrame:
    from metrics.adoption import daily_series

    with get_store(store_url).session() as session:
        population = publishable_population(session, min_group_size)
        rows = daily_series(session, start, end, groupings, population)
    return pd.DataFrame(rows, columns=["day", "scope", "kpi", "value"])


def user_kpi_series(
    config: Config,
    start: dt.date,
    end: dt.date,
    viewer: Viewer,
    groupings: tuple[str, ...] = ("all", "team"),
) -> pd.DataFrame:
    """Daily user KPIs of the scopes of ``groupings`` from ``start`` to ``end`` (inclusive).

    One row per day and scope, columns ``day`` (datetime64), ``scope``, ``kind``, ``name`` and
    one column per user KPI. Only the scopes the report of ``end`` shows the viewer are kept.
    """
    shown = set(snapshot(config, end, viewer).scopes["scope"])
    long = _user_series(config.store_url, start, end, config.privacy.min_group_size, groupings)
    long = long[long["scope"].isin(shown)]
    if long.empty:
        return _typed(pd.DataFrame(columns=SERIES_COLUMNS), USER_KPIS)
    wide = long.pivot(index=["day", "scope"], columns="kpi", values="value").reset_index()
    wide.columns.name = None
    _name_scopes(wide)
    wide["day"] = pd.to_datetime(wide["day"])
    wide = wide.reindex(columns=SERIES_COLUMNS)
    return _typed(wide.sort_values(["scope", "day"]).reset_index(drop=True), USER_KPIS)


@st.cache_data(ttl=HISTORY_TTL_SECONDS, max_entries=256, show_spinner=False)
def _kpi_series(
    store_url: str,
    code: str,
    features: tuple[str, ...],
    start: dt.date,
    end: dt.date,
    min_group_size: int,
    key: str,
    _settings: compute.Settings,
) -> list[dict[str, Any]]:
    with get_store(store_url).session() as session:
        population = publishable_population(session, min_group_size)
        found = compute.series(
            session, _settings, code, [Scope.parse(f) for f in features], start, end, population
        )
    return [
        {"day": day, "scope": str(scope), "value": value}
        for scope, points in found.items()
        for day, value in points
    ]


def kpi_series(
    config: Config,
    code: str,
    scopes: Sequence[str],
    start: dt.date,
    end: dt.date,
    viewer: Viewer,
) -> pd.DataFrame:
    """One KPI's daily values (``day``, ``scope``, ``kind``, ``name``, ``value``) for the scopes
    the viewer may see among ``scopes`` and the report of ``end`` shows."""
    shown = set(snapshot(config, end, viewer).scopes["scope"])
    wanted = [s for s in scopes if s in shown]
    rows: list[dict[str, Any]] = []
    features = tuple(s for s in wanted if s.startswith("feature:"))
    if features:  # feature scopes have their own (fast) calculator
        key, settings = settings_of(config)
        rows += _kpi_series(
            config.store_url,
            code,
            features,
            start,
            end,
            config.privacy.min_group_size,
            key,
            settings,
        )
        wanted = [s for s in wanted if s not in features]
    if not wanted:
        pass
    elif code in USER_KPIS:
        groupings = tuple(sorted({Scope.parse(s).kind for s in wanted}))
        long = _user_series(config.store_url, start, end, config.privacy.min_group_size, groupings)
        picked = long[(long["kpi"] == code) & long["scope"].isin(wanted)]
        rows += picked[["day", "scope", "value"]].to_dict("records")
    else:
        key, settings = settings_of(config)
        found = {
            (row["day"], row["scope"]): row["value"]
            for row in _kpi_series(
                config.store_url,
                code,
                tuple(wanted),
                start,
                end,
                config.privacy.min_group_size,
                key,
                settings,
            )
        }
        day = start
        while day <= end:  # every day of every scope, null where the KPI has no value
            rows += [{"day": day, "scope": s, "value": found.get((day, s))} for s in wanted]
            day += dt.timedelta(days=1)
    frame = pd.DataFrame(rows, columns=["day", "scope", "value"])
    frame["day"] = pd.to_datetime(frame["day"])
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    _name_scopes(frame)
    return frame.sort_values(["scope", "day"]).reset_index(drop=True)


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _engagement(
    store_url: str, what: str, start: dt.date, as_of: dt.date, min_group_size: int
) -> list[dict[str, Any]]:
    with get_store(store_url).session() as session:
        population = publishable_population(session, min_group_size)
        if what == "bands":
            return [
                {"scope": str(scope), "band": band, "people": n}
                for scope, bands in engagement.frequency_bands(session, as_of, population).items()
                for band, n in bands.items()
            ]
        if what == "lifecycle":
            return engagement.lifecycle(session, start, as_of, population)
        if what == "features":
            return engagement.feature_adoption(session, as_of, population)
        return engagement.go_live_relative(session, as_of, population)


def _scoped(config: Config, as_of: dt.date, viewer: Viewer, rows: list[dict]) -> pd.DataFrame:
    shown = set(snapshot(config, as_of, viewer).scopes["scope"])
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame = frame[frame["scope"].isin(shown)].reset_index(drop=True)
    _name_scopes(frame)
    return frame


def frequency_bands(config: Config, as_of: dt.date, viewer: Viewer) -> pd.DataFrame:
    """Licensed people per band of active days in 30 days (``scope``, ``band``, ``people``)."""
    rows = _engagement(config.store_url, "bands", as_of, as_of, config.privacy.min_group_size)
    return _scoped(config, as_of, viewer, rows)


def lifecycle(config: Config, start: dt.date, as_of: dt.date, viewer: Viewer) -> pd.DataFrame:
    """Per week and scope: new, returning, resurrecting and dormant people (dormant negative)."""
    rows = _engagement(config.store_url, "lifecycle", start, as_of, config.privacy.min_group_size)
    return _scoped(config, as_of, viewer, rows)


def feature_adoption(config: Config, as_of: dt.date, viewer: Viewer) -> pd.DataFrame:
    """Per scope and feature: users in 30 days and their share of licensed people."""
    rows = _engagement(config.store_url, "features", as_of, as_of, config.privacy.min_group_size)
    return _scoped(config, as_of, viewer, rows)


def go_live_relative(config: Config, as_of: dt.date, viewer: Viewer) -> pd.DataFrame:
    """Each shown wave's adoption rate against the days since its go-live (``wave``, ``day``,
    ``adoption_rate``)."""
    rows = _engagement(config.store_url, "golive", as_of, as_of, config.privacy.min_group_size)
    scopes = snapshot(config, as_of, viewer).scopes
    shown = set(scopes.loc[scopes["kind"] == "wave", "name"])
    frame = pd.DataFrame(rows, columns=["wave", "day", "adoption_rate"])
    return frame[frame["wave"].isin(shown)].reset_index(drop=True)


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _survey_rows(
    store_url: str, as_of: dt.date, min_group_size: int, role: str, teams: tuple[str, ...]
) -> list[dict[str, Any]]:
    from surveys.results import survey_scores

    viewer = Viewer(role, frozenset(teams))
    with get_store(store_url).session() as session:
        results = survey_scores(
            session,
            min_group_size=min_group_size,
            viewer=viewer,
            since=as_of - dt.timedelta(days=SURVEY_DAYS - 1),
            until=as_of,
        )
    return [
        {
            "scope": row.scope,
            "responses": row.responses,
            **{code: (s.value if (s := row.scores.get(code)) else None) for code in ("nps", "sus")},
        }
        for row in results.rows
        if row.round is None and row.period is None
    ]


def survey_scores(config: Config, as_of: dt.date, viewer: Viewer) -> pd.DataFrame:
    """NPS and SUS of the 90 days ending ``as_of`` per shown scope (``scope``, ``kind``,
    ``name``, ``responses``, ``nps``, ``sus``); scores withheld below the minimum group size."""
    rows = _survey_rows(
        config.store_url,
        as_of,
        config.privacy.min_group_size,
        viewer.role,
        tuple(sorted(viewer.teams)),
    )
    frame = pd.DataFrame(rows, columns=["scope", "responses", "nps", "sus"])
    visible = frame["scope"].map(lambda s: may_see_scope(viewer, s)).astype(bool)
    frame = frame[visible].reset_index(drop=True)
    _name_scopes(frame)
    return _typed(frame, ("nps", "sus"))


def anomalies(
    points: tuple[tuple[dt.date, float | None], ...], sensitivity: float = 3.0
) -> list[dict[str, Any]] | None:
    """The anomalous days of a daily series (``metrics.anomalies.detect``), or None when the
    detector is not installed. A series too short to judge has none."""
    try:
        import metrics.anomalies  # noqa: F401 - only whether it is there
    except ImportError:
        return None
    return _anomalies(points, sensitivity)


@st.cache_data(ttl=HISTORY_TTL_SECONDS, max_entries=256, show_spinner=False)
def _anomalies(
    points: tuple[tuple[dt.date, float | None], ...], sensitivity: float
) -> list[dict[str, Any]]:
    from metrics.anomalies import detect

    try:
        found = detect(list(points), sensitivity)
    except ValueError:
        return []
    return [
        {
            "day": a.day,
            "value": a.value,
            "expected": a.expected,
            "score": a.score,
            "direction": getattr(a, "direction", None),
        }
        for a in found
    ]


def forecast(
    points: tuple[tuple[dt.date, float | None], ...],
    target: float,
    go_live: dt.date | None = None,
) -> dict[str, Any] | None:
    """When ``target`` will be reached at this pace (``metrics.forecast.fit``): ``reached_on``
    (None: not at this pace), ``model`` and ``curve`` (projected ``(day, value)`` pairs, maybe
    empty); None when the forecast module is not installed or cannot fit the series."""
    try:
        import metrics.forecast  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return None
    return _forecast(points, target, go_live)


@st.cache_data(ttl=HISTORY_TTL_SECONDS, max_entries=256, show_spinner=False)
def _forecast(
    points: tuple[tuple[dt.date, float | None], ...], target: float, go_live: dt.date | None
) -> dict[str, Any] | None:
    from metrics.forecast import fit  # type: ignore[import-not-found]

    try:
        result = fit(list(points), target, go_live=go_live)
    except ValueError:
        return None
    curve = getattr(result, "curve", None) or ()
    return {
        "reached_on": getattr(result, "reached_on", None),
        "model": getattr(result, "model", None),
        "curve": [(d, float(v)) for d, v in curve if v is not None],
    }


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
    return plain(rows.iloc[0][code])


def _name_scopes(frame: pd.DataFrame) -> None:
    """Add ``kind`` and ``name`` columns from ``scope`` (in place)."""
    parsed = [Scope.parse(s) for s in frame["scope"]]
    frame["kind"] = [s.kind for s in parsed]
    frame["name"] = [s.value for s in parsed]


def _typed(frame: pd.DataFrame, codes: Iterable[str]) -> pd.DataFrame:
    """Give KPI columns a numeric dtype (missing values as NaN), whatever the rows held."""
    for code in codes:
        frame[code] = pd.to_numeric(frame[code], errors="coerce").astype("float64")
    return frame


def plain(value: object) -> float | int | None:
    """A frame cell as a plain Python number (None for a missing value)."""
    if value is None or pd.isna(value):  # type: ignore[arg-type]
        return None
    number = float(value)  # type: ignore[arg-type]
    return int(number) if number.is_integer() and abs(number) >= 1 else number


# ---------------------------------------------------------------------- named people (opt-in)

NOT_STARTED_COLUMNS = ["name", "person", "team", "wave", "go_live", "days_since_go_live"]


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _not_started(
    store_url: str, as_of: dt.date, min_group_size: int, teams: tuple[str, ...] | None
) -> list[dict[str, Any]]:
    from metrics.individuals import not_started as read

    with get_store(store_url).session() as session:
        population = publishable_population(session, min_group_size)
        return read(session, as_of, population, teams)


def not_started(config: Config, as_of: dt.date, viewer: Viewer) -> pd.DataFrame | None:
    """Licensed people with no activity since their go-live, or None where the config does not
    allow views of named people (``privacy.individual_views``). Managers get every shown team,
    an ambassador their own teams; support leads may not read it. People of suppressed teams
    are never listed (their team is not shown at all)."""
    if not config.privacy.individual_views:
        return None
    require(viewer, "manager", "ambassador")
    teams = None if viewer.sees_all_teams else tuple(sorted(viewer.teams))
    rows = _not_started(config.store_url, as_of, config.privacy.min_group_size, teams)
    return pd.DataFrame(rows, columns=NOT_STARTED_COLUMNS)
