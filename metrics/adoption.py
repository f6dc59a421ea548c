"""User-count KPIs in SQL over the daily rollup: licensed users, DAU / WAU / MAU, adoption and
activation, for every scope at once, for one as-of day or as a daily series.

Windows end on the as-of day, inclusive; days are the company's local calendar days (the rollup
stores them so). People outside the roster count in scope ``all`` for DAU / WAU / MAU, never in a
team or wave, and never in adoption (whose numerator counts licensed people only).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import case, distinct, func, literal, or_, select
from sqlalchemy.orm import Session

from metrics.memo import remembered
from metrics.reads import day_offsets, plain_rows
from metrics.scopes import ALL, Population, Scope, group_column, licensed_counts
from metrics.store.models import Person, UsageDaily

WINDOWS = {"dau": 1, "wau": 7, "mau": 30}
USER_KPIS = ("licensed_users", "dau", "wau", "mau", "adoption_rate", "activation_rate")

Values = dict[str, float | int | None]


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _grouped(grouping: str):
    if grouping == "all":
        return literal("all")
    return group_column(grouping)


def has_usage(session: Session, as_of: dt.date | None = None) -> bool:
    """Whether the store holds any usage (on or before ``as_of``)."""
    query = select(UsageDaily.day).limit(1)
    if as_of is not None:
        query = query.where(UsageDaily.day <= as_of)
    return session.scalar(query) is not None


def _scope(grouping: str, value: Any) -> Scope:
    return ALL if grouping == "all" else Scope(grouping, value)


def user_kpis(
    session: Session, as_of: dt.date, population: Population | None = None
) -> dict[Scope, Values]:
    """The user-count KPIs of every scope on ``as_of``, over ``population`` (default: everyone).

    DAU / WAU / MAU and licensed WAU come from the same person × day read of the rollup as the
    daily series (``_window_counts`` of one day), activation from each licensed person's first
    active day since their go-live (``_first_uses``).
    """
    population = population or Population()
    licensed = licensed_counts(session, population.people_filter())
    any_usage = has_usage(session, as_of)
    counts: dict[Scope, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    groupings = ("all", "team", "wave")
    for (_, scope), found in _window_counts(session, as_of, as_of, groupings, population).items():
        counts[scope].update(found)
    for scope, firsts in _first_uses(session, population).items():
        counts[scope]["activated"] = sum(1 for first in firsts if first <= as_of)

    result: dict[Scope, Values] = {}
    for scope in sorted(set(licensed) | {ALL}):
        n = licensed.get(scope, 0)
        c = counts[scope]
        result[scope] = {
            "licensed_users": n,
            "dau": c["dau"] if any_usage else None,
            "wau": c["wau"] if any_usage else None,
            "mau": c["mau"] if any_usage else None,
            "adoption_rate": _ratio(c["wau_licensed"], n) if any_usage else None,
            "activation_rate": _ratio(c["activated"], n) if any_usage else None,
        }
    return result


def _first_uses(session: Session, population: Population) -> dict[Scope, list[dt.date]]:
    """Per scope (all, team, wave): the first active day since go-live of each licensed person
    of ``population`` who has one (remembered for the transaction: a report's snapshot and its
    forecasts' series both ask)."""
    return remembered(
        session, ("first_uses", population), lambda: _read_first_uses(session, population)
    )


def _read_first_uses(session: Session, population: Population) -> dict[Scope, list[dt.date]]:
    query = (
        select(Person.team, Person.wave, func.min(UsageDaily.day))
        .select_from(Person)
        .join(UsageDaily, UsageDaily.person_key == Person.person_key)
        .where(
            Person.licensed,
            population.people_filter(),
            or_(Person.go_live.is_(None), UsageDaily.day >= Person.go_live),
        )
        .group_by(Person.person_key, Person.team, Person.wave)
    )
    firsts: dict[Scope, list[dt.date]] = defaultdict(list)
    for team, wave, first in session.execute(query):
        first = _as_date(first)
        firsts[ALL].append(first)
        if team is not None:
            firsts[Scope("team", team)].append(first)
        if wave is not None:
            firsts[Scope("wave", wave)].append(first)
    return firsts


def not_in_roster(session: Session, as_of: dt.date) -> dict[str, int] | None:
    """Activity of identifiers no roster person matches, on ``as_of`` (None without usage).

    They are kept, never dropped: they count in ``all``'s DAU / WAU / MAU, and this says how many
    so that a gap in the roster (a newcomer, an external accountant) shows.
    """
    if not has_usage(session, as_of):
        return None
    start = {code: as_of - dt.timedelta(days=days - 1) for code, days in WINDOWS.items()}
    row = session.execute(
        select(
            func.count(distinct(case((UsageDaily.day >= start["dau"], UsageDaily.person_key)))),
            func.count(distinct(case((UsageDaily.day >= start["wau"], UsageDaily.person_key)))),
            func.count(distinct(UsageDaily.person_key)),
            func.coalesce(func.sum(UsageDaily.events), 0),
        )
        .select_from(UsageDaily)
        .outerjoin(Person, Person.person_key == UsageDaily.person_key)
        .where(Person.person_key.is_(None), UsageDaily.day >= start["mau"])
        .where(UsageDaily.day <= as_of)
    ).one()
    return {"dau": row[0], "wau": row[1], "mau": row[2], "events_30d": int(row[3])}


def daily_series(
    session: Session,
    start: dt.date,
    end: dt.date,
    groupings: tuple[str, ...] = ("all", "team"),
    population: Population | None = None,
) -> list[dict[str, Any]]:
    """One row per day, scope and user KPI between ``start`` and ``end`` (inclusive).

    Rows are ``{"day", "scope", "kpi", "value"}``; days before any usage give null values. Only
    the people of ``population`` count (default: everyone).
    """
    if end < start:
        return []
    population = population or Population()
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    licensed = licensed_counts(session, population.people_filter())
    first_day = session.scalar(select(func.min(UsageDaily.day)))
    counts = _window_counts(session, start, end, groupings, population)

    # Activation over time: each licensed person's first active day since their go-live.
    firsts = _first_uses(session, population)

    rows: list[dict[str, Any]] = []
    scopes = [s for s in sorted(licensed) if s.kind in groupings]
    for scope in scopes:
        n = licensed.get(scope, 0)
        for day in days:
            live = first_day is not None and _as_date(first_day) <= day
            c = counts.get((day, scope), {})
            activated = sum(1 for f in firsts.get(scope, ()) if f <= day)
            kpis = {
                "licensed_users": n,
                "dau": c.get("dau", 0) if live else None,
                "wau": c.get("wau", 0) if live else None,
                "mau": c.get("mau", 0) if live else None,
                "adoption_rate": _ratio(c.get("wau_licensed", 0), n) if live else None,
                "activation_rate": _ratio(activated, n) if live else None,
            }
            rows.extend(
                {"day": day, "scope": str(scope), "kpi": code, "value": value}
                for code, value in kpis.items()
            )
    return rows


def _window_counts(
    session: Session,
    start: dt.date,
    end: dt.date,
    groupings: tuple[str, ...],
    population: Population,
) -> dict[tuple[dt.date, Scope], dict[str, int]]:
    """DAU / WAU / MAU and licensed WAU per day and scope, from one read of the rollup rows of
    ``start`` − 29 days to ``end``: a person × day activity matrix whose running sums give every
    sliding window (a SQL join of each day with its 30 days grew with days × people-days)."""
    import numpy as np
    import pandas as pd

    origin = start - dt.timedelta(days=WINDOWS["mau"] - 1)
    width = (end - origin).days + 1
    rows = plain_rows(
        session,
        select(UsageDaily.day, UsageDaily.person_key)
        .select_from(UsageDaily)
        .outerjoin(Person, Person.person_key == UsageDaily.person_key)
        .where(UsageDaily.day >= origin, UsageDaily.day <= end, population.usage_filter()),
    )
    out: dict[tuple[dt.date, Scope], dict[str, int]] = {}
    if not rows:
        return out
    columns = day_offsets([row[0] for row in rows], origin)
    at, keys = pd.factorize(pd.Series([row[1] for row in rows], dtype=object))
    roster = {
        key: (team, wave, bool(is_licensed))
        for key, team, wave, is_licensed in session.execute(
            select(Person.person_key, Person.team, Person.wave, Person.licensed)
        )
    }
    known = [roster.get(key, (None, None, False)) for key in keys]  # outside: all only
    labels: dict[str, list[Any]] = {
        "all": ["all"] * len(keys),
        "team": [team for team, _, _ in known],
        "wave": [wave for _, wave, _ in known],
    }
    licensed = [is_licensed for _, _, is_licensed in known]
    active = np.zeros((len(keys), width + 1), dtype=np.int32)
    active[at, columns + 1] = 1
    running = active.cumsum(axis=1)  # running[:, k]: active days before column k
    last = np.arange(WINDOWS["mau"], width + 1)  # the columns just after each output day
    within = {
        code: (running[:, last] - running[:, last - days]) > 0 for code, days in WINDOWS.items()
    }
    wau_licensed = within["wau"] & np.array(licensed)[:, None]
    days = [start + dt.timedelta(days=i) for i in range(len(last))]
    for grouping in groupings:
        members: dict[Any, list[int]] = defaultdict(list)
        for row, value in enumerate(labels[grouping]):
            if value is not None:
                members[value].append(row)
        for value, people in members.items():
            picked = np.array(people)
            sums = {code: within[code][picked].sum(axis=0) for code in WINDOWS}
            sums["wau_licensed"] = wau_licensed[picked].sum(axis=0)
            scope = _scope(grouping, value)
            for i, day in enumerate(days):
                if sums["mau"][i]:  # no row in the window: the scope has no counts that day
                    out[(day, scope)] = {code: int(v[i]) for code, v in sums.items()}
    return out


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
