"""Computing KPIs: one entry point for a snapshot and for daily series, whatever the KPI.

Each KPI code of the registry (``metrics/kpis.py``) with ``computed=True`` has a calculator here
that returns its value for every scope on an as-of day. Series come from a specialized query when
the KPI has one (user counts, error and success rates), else from the one calculator of the KPI
run each day (``_PARTS``), else from the snapshot of each day. Everything reads through a
``Population`` (``metrics/scopes.py``): people of suppressed scopes count nowhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from metrics import adoption, engagement, feature_kpis, support, usage_kpis
from metrics.kpis import COMPUTED
from metrics.scopes import ALL, Population, Scope, licensed_counts, publishable_population
from metrics.waves import ExitConfig, WavesConfig

if TYPE_CHECKING:
    from hypercare.config import Config

Value = float | int | None
Snapshot = dict[Scope, dict[str, Value]]


@dataclass(frozen=True)
class Settings:
    """What calculators need from the config (so that metrics never reads YAML)."""

    min_group_size: int = 5
    core_features: tuple[str, ...] = ()
    targets: dict[str, float] = field(default_factory=dict)
    sla_hours: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    timezone: str = "UTC"
    waves: WavesConfig = field(default_factory=WavesConfig)
    exit: ExitConfig = field(default_factory=ExitConfig)
    surveys: Any = None  # surveys.settings.SurveySettings (None: its defaults)

    @classmethod
    def from_config(cls, config: Config) -> Settings:
        return cls(
            min_group_size=config.privacy.min_group_size,
            core_features=tuple(config.core_features),
            targets=dict(config.targets),
            sla_hours={k: (v.first_response, v.resolution) for k, v in config.sla_hours.items()},
            timezone=config.timezone,
            waves=config.sections.get("waves") or WavesConfig(),
            exit=config.sections.get("exit") or ExitConfig(),
            surveys=config.sections.get("surveys"),
        )


Calculator = Callable[[Session, Settings, dt.date, Population], dict[Scope, dict[str, Value]]]

SURVEY_WINDOW_DAYS = 90
SURVEY_KPIS = ("nps", "csat", "ces", "sus", "umux_lite")


def survey_kpis(
    session: Session, settings: Settings, as_of: dt.date, population: Population
) -> dict[Scope, dict[str, Value]]:
    """Survey scores of the answers of the 90 days ending ``as_of`` (surveys/results.py applies
    the same privacy rule, so a scope it withholds gets no score)."""
    from surveys.results import survey_scores

    results = survey_scores(
        session,
        min_group_size=settings.min_group_size,
        settings=settings.surveys,
        since=as_of - dt.timedelta(days=SURVEY_WINDOW_DAYS - 1),
        until=as_of,
        breakdown=False,  # the snapshot reads each scope's overall scores only
    )
    out: dict[Scope, dict[str, Value]] = {}
    for row in results.rows:
        if row.round is not None or row.period is not None or row.withheld:
            continue
        out[Scope.parse(row.scope)] = {
            code: _rounded(row.scores[code].value) if code in row.scores else None
            for code in SURVEY_KPIS
        }
    return out


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# Each calculator fills one or more KPI codes for every scope it knows.
CALCULATORS: list[Calculator] = [
    lambda session, settings, as_of, population: adoption.user_kpis(session, as_of, population),
    lambda session, settings, as_of, population: usage_kpis.usage_kpis(
        session, as_of, population, settings.core_features
    ),
    lambda session, settings, as_of, population: engagement.engagement_score(
        session, as_of, population, settings.core_features
    ),
    survey_kpis,
    lambda session, settings, as_of, population: support.support_kpis(
        session, as_of, population, ZoneInfo(settings.timezone), settings.sla_hours
    ),
]


def partial_snapshot(
    session: Session,
    settings: Settings,
    as_of: dt.date,
    codes: Iterable[str],
    population: Population | None = None,
) -> Snapshot:
    """The snapshot's values of ``codes`` (and the user counts, which every scope has) for every
    team, wave and ``all``, running only the calculators that give them: the same values as
    ``snapshot`` for those codes, without computing the others."""
    wanted = set(codes) | set(adoption.USER_KPIS)
    unknown = wanted - set(COMPUTED)
    if unknown:
        raise ValueError(f"not computed KPIs: {sorted(unknown)}")
    population = population or publishable_population(session, settings.min_group_size)
    merged: Snapshot = {}
    for gives, calculator in PARTS_BY_CODES:
        if gives & wanted:
            for scope, values in calculator(session, settings, as_of, population).items():
                merged.setdefault(scope, {}).update(values)
    hidden = {Scope.parse(s) for s in population.suppressed}
    return {
        scope: {code: values.get(code) for code in COMPUTED if code in wanted}
        for scope, values in merged.items()
        if scope not in hidden and scope.kind in ("all", "team", "wave")
    }


def feature_calculator(
    session: Session, settings: Settings, as_of: dt.date, population: Population
) -> dict[Scope, dict[str, Value]]:
    """The feature scopes' KPIs (kept out of ``CALCULATORS`` so that series of other scopes can
    skip them)."""
    return feature_kpis.feature_kpis(session, as_of, population, settings.min_group_size)


def snapshot(
    session: Session,
    settings: Settings,
    as_of: dt.date,
    population: Population | None = None,
    *,
    features: bool = True,
) -> Snapshot:
    """Every computed KPI of every scope on ``as_of`` (suppressed scopes absent); without the
    feature scopes when ``features`` is false."""
    population = population or publishable_population(session, settings.min_group_size)
    merged: Snapshot = {}
    for calculator in [*CALCULATORS, *([feature_calculator] if features else [])]:
        for scope, values in calculator(session, settings, as_of, population).items():
            merged.setdefault(scope, {}).update(values)
    hidden = {Scope.parse(s) for s in population.suppressed}
    # Every scope carries every computed KPI, in the registry's order; no data is None.
    return {
        scope: {code: values.get(code) for code in COMPUTED}
        for scope, values in merged.items()
        if scope not in hidden and scope.kind in ("all", "team", "wave", "feature")
    }


def series(
    session: Session,
    settings: Settings,
    code: str,
    scopes: Iterable[Scope],
    start: dt.date,
    end: dt.date,
    population: Population | None = None,
) -> dict[Scope, list[tuple[dt.date, Value]]]:
    """The daily values of one KPI for the given scopes from ``start`` to ``end`` (inclusive).

    A scope that is suppressed (or unknown) gets no series.
    """
    population = population or publishable_population(session, settings.min_group_size)
    wanted = set(scopes) - {Scope.parse(s) for s in population.suppressed}
    out: dict[Scope, list[tuple[dt.date, Value]]] = {}
    features = {s for s in wanted if s.kind == "feature"}
    if features:  # a feature's KPIs come from its own calculator, day by day
        wanted -= features
        day = start
        names = frozenset(str(s.value) for s in features)
        while day <= end:
            values = feature_kpis.feature_kpis(
                session,
                day,
                population,
                settings.min_group_size,
                names,
                with_durations=code == "p95_duration_ms",
            )
            for scope in features:
                if scope in values:
                    out.setdefault(scope, []).append((day, values[scope].get(code)))
            day += dt.timedelta(days=1)
        if not wanted:
            return out
    if code in adoption.USER_KPIS:
        groupings = tuple(sorted({s.kind for s in wanted}))
        for row in adoption.daily_series(session, start, end, groupings, population):
            if row["kpi"] == code:
                scope = Scope.parse(row["scope"])
                if scope in wanted:
                    out.setdefault(scope, []).append((row["day"], row["value"]))
        return {scope: sorted(points) for scope, points in out.items()}
    if code in usage_kpis.RATE_KPIS:  # sliding sums over one query of the daily rollup
        found = usage_kpis.rate_series(session, code, start, end, population)
        known = _known_scopes(session, population)
        for scope in wanted:
            if scope in known or scope in found:
                points = found.get(scope, {})
                out[scope] = [(day, points.get(day)) for day in _days(start, end)]
        return out
    part = _PARTS.get(code)
    known = _known_scopes(session, population) if part is not None else set()
    for day in _days(start, end):
        if part is None:
            values = snapshot(session, settings, day, population, features=False)
        else:  # only the calculator of this KPI, over the scopes a snapshot would have
            values = part(session, settings, day, population)
        for scope in wanted:
            if scope in values:
                out.setdefault(scope, []).append((day, values[scope].get(code)))
            elif scope in known:
                out.setdefault(scope, []).append((day, None))
    return out


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _known_scopes(session: Session, population: Population) -> set[Scope]:
    """The scopes every snapshot has whatever the day (``adoption.user_kpis`` gives them all)."""
    return set(licensed_counts(session, population.people_filter())) | {ALL}


# KPIs whose series needs one calculator only (a snapshot runs them all): code -> calculator.
_PARTS: dict[str, Calculator] = {
    "time_to_first_use": lambda session, settings, as_of, population: usage_kpis.time_to_first_use(
        session, as_of, population
    ),
    "feature_breadth": lambda session, settings, as_of, population: usage_kpis.feature_breadth(
        session, as_of, population, settings.core_features
    ),
    "p95_duration_ms": lambda session, settings, as_of, population: usage_kpis.p95_duration(
        session, as_of, population
    ),
    "app_errors_per_1k": lambda session, settings, as_of, population: usage_kpis.app_errors_per_1k(
        session, as_of, population
    ),
}

_USERS, _USAGE, _ENGAGEMENT, _SURVEYS, _SUPPORT = CALCULATORS

# The calculators of a snapshot, each with the KPI codes it gives: a partial snapshot runs only
# those of the codes asked (test_compute_partial.py checks they cover every computed KPI). The
# usage calculator is split into its parts: the rates, then the single-KPI ones of ``_PARTS``.
PARTS_BY_CODES: list[tuple[frozenset[str], Calculator]] = [
    (frozenset(adoption.USER_KPIS), _USERS),
    (
        frozenset({"task_success_rate", "error_rate", "stickiness"}),
        lambda session, settings, as_of, population: usage_kpis.rates_and_stickiness(
            session, as_of, population
        ),
    ),
    *((frozenset({code}), part) for code, part in _PARTS.items()),
    (frozenset({"engagement_score"}), _ENGAGEMENT),
    (frozenset(SURVEY_KPIS), _SURVEYS),
    (
        frozenset({"tickets_open", "first_response_p50_h", "resolution_p50_h", "sla_breach_rate"}),
        _SUPPORT,
    ),
]


def value(session: Session, settings: Settings, code: str, scope: Scope, as_of: dt.date) -> Value:
    """One KPI of one scope on ``as_of`` (None when suppressed or without data)."""
    return snapshot(session, settings, as_of).get(scope, {}).get(code)


def as_rows(snap: Snapshot) -> list[dict[str, Any]]:
    """A snapshot as rows ``{"scope", "kpi", "value"}`` (for tables and CSV)."""
    return [
        {"scope": str(scope), "kpi": code, "value": v}
        for scope, values in sorted(snap.items())
        for code, v in values.items()
    ]
