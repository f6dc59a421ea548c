"""The KPI snapshot behind ``hypercare report``: every scope's KPIs on an as-of day.

Scopes with fewer licensed users than ``privacy.min_group_size`` — and feature scopes used by
fewer people than that in 30 days — are listed under ``suppressed`` and never carry values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from metrics.adoption import not_in_roster
from metrics.compute import Settings, snapshot
from metrics.compute import series as compute_series
from metrics.feature_kpis import small_features
from metrics.kpis import KPIS, target_for
from metrics.scopes import (
    Population,
    Scope,
    is_suppressed,
    licensed_counts,
    publishable_population,
    wave_order,
)
from metrics.store import Store
from metrics.waves import evaluate_exit, evaluate_waves


def today_in(tz: dt.tzinfo) -> dt.date:
    """The company's current calendar day."""
    return dt.datetime.now(tz).date()


def _scope_order(scopes: list[Scope], waves: list[str]) -> list[Scope]:
    rank = {w: i for i, w in enumerate(waves)}
    return sorted(
        scopes,
        key=lambda s: (
            ("all", "team", "wave", "feature").index(s.kind),
            rank.get(s.value or "", len(rank)) if s.kind == "wave" else 0,
            s.value or "",
        ),
    )


FORECAST_DAYS = 120


def team_forecasts(
    session: Session,
    settings: Settings,
    as_of: dt.date,
    population: Population,
    hidden: set[Scope],
) -> dict[str, dict[str, Any]]:
    """Per shown team: the adoption curve fitted over the last 120 days and when it reaches the
    adoption target at this pace (``metrics/forecast.py``), or why it will not."""
    try:
        from metrics.forecast import fit
    except ImportError:  # the fit needs scipy: without it the report has no forecasts
        return {}

    target = target_for("adoption_rate", settings.targets)
    if target is None:
        return {}
    teams = [s for s in licensed_counts(session, population.people_filter()) if s.kind == "team"]
    teams = [s for s in teams if s not in hidden]
    start = as_of - dt.timedelta(days=FORECAST_DAYS - 1)
    series = compute_series(session, settings, "adoption_rate", teams, start, as_of, population)
    out = {}
    for scope in sorted(teams):
        points = series.get(scope, [])
        if not any(v is not None for _, v in points):
            continue
        forecast = fit(points, target)
        out[str(scope)] = {
            "target": target,
            "model": forecast.model,
            "reached_on": forecast.reached_on.isoformat() if forecast.reached_on else None,
            "already_reached": forecast.already_reached,
            "reason": forecast.reason,
        }
    return out


def build_report(
    store: Store,
    as_of: dt.date,
    min_group_size: int,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """The report in the shape of CONTRACT.md: ``{"as_of", "scopes", "suppressed"}``.

    The people of suppressed scopes are left out of every figure (``metrics.scopes.Population``),
    so that no subtraction between shown scopes gives them back.
    """
    settings = settings or Settings(min_group_size=min_group_size)
    with store.session() as session:
        population = publishable_population(session, min_group_size)
        values = snapshot(session, settings, as_of, population)
        outside = not_in_roster(session, as_of)
        waves = wave_order(session)
        existing = set(licensed_counts(session))
        # A scope whose people were all left out is hidden as well.
        hidden = {Scope.parse(s) for s in population.suppressed} | (existing - set(values))
        hidden |= set(small_features(session, as_of, population, min_group_size))
        gates = evaluate_waves(session, values, as_of, settings.waves, settings.targets, hidden)
        forecasts = team_forecasts(session, settings, as_of, population, hidden)
        checklist = (
            evaluate_exit(session, values, as_of, settings.exit, settings.targets, hidden)
            if settings.exit.criteria
            else None
        )
    scopes: dict[str, dict[str, Any]] = {}
    for scope in _scope_order(list(values), waves):
        kpis = values[scope]
        if scope in hidden or is_suppressed(int(kpis["licensed_users"] or 0), min_group_size):
            hidden.add(scope)
            continue
        scopes[str(scope)] = {code: kpis[code] for code in KPIS if code in kpis}
    suppressed = [str(s) for s in _scope_order(list(hidden), waves)]
    return {
        "as_of": as_of.isoformat(),
        "scopes": scopes,
        "suppressed": suppressed,
        "not_in_roster": outside,
        "waves": gates,
        "forecasts": forecasts,
        **({"exit": checklist} if checklist is not None else {}),
    }
