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

from sqlalchemy import and_, case, distinct, func, literal, or_, select
from sqlalchemy.orm import Session

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
    """The user-count KPIs of every scope on ``as_of``, over ``population`` (default: everyone)."""
    population = population or Population()
    licensed = licensed_counts(session, population.people_filter())
    any_usage = has_usage(session, as_of)
    counts: dict[Scope, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    start = {code: as_of - dt.timedelta(days=days - 1) for code, days in WINDOWS.items()}
    for grouping in ("all", "team", "wave"):
        label = _grouped(grouping)
        in_window = {
            code: func.count(distinct(case((UsageDaily.day >= start[code], UsageDaily.person_key))))
            for code in ("dau", "wau")
        }
        query = (
            select(
                label,
                in_window["dau"],
                in_window["wau"],
                func.count(distinct(UsageDaily.person_key)),
                func.count(
                    distinct(
                        case(
                            (
                                and_(UsageDaily.day >= start["wau"], Person.licensed),
                                UsageDaily.person_key,
                            )
                        )
                    )
                ),
            )
            .select_from(UsageDaily)
            .outerjoin(Person, Person.person_key == UsageDaily.person_key)
            .where(UsageDaily.day >= start["mau"], UsageDaily.day <= as_of)
            .where(population.usage_filter())
            .group_by(label)
        )
        if grouping != "all":
            query = query.where(label.is_not(None))
        for value, dau, wau, mau, wau_licensed in session.execute(query):
            c = counts[_scope(grouping, value)]
            c.update(dau=dau, wau=wau, mau=mau, wau_licensed=wau_licensed)
        activated = (
            select(label, func.count(distinct(Person.person_key)))
            .select_from(Person)
            .join(UsageDaily, UsageDaily.person_key == Person.person_key)
            .where(
                Person.licensed,
                population.people_filter(),
                UsageDaily.day <= as_of,
                or_(Person.go_live.is_(None), UsageDaily.day >= Person.go_live),
            )
            .group_by(label)
        )
        for value, n in session.execute(activated):
            counts[_scope(grouping, value)]["activated"] = n

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
    first_use = (
        select(Person.person_key, Person.team, Person.wave, func.min(UsageDaily.day))
        .join(UsageDaily, UsageDaily.person_key == Person.person_key)
        .where(
            Person.licensed,
            population.people_filter(),
            or_(Person.go_live.is_(None), UsageDaily.day >= Person.go_live),
        )
        .group_by(Person.person_key, Person.team, Person.wave)
    )
    firsts: dict[Scope, list[dt.date]] = defaultdict(list)
    for _, team, wave, first in session.execute(first_use):
        first = _as_date(first)
        firsts[ALL].append(first)
        firsts[Scope("team", team)].append(first)
        if wave is not None:
            firsts[Scope("wave", wave)].append(first)

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

    origin = start - dt.timedelta(days=WINDOWS["mau"] - 1)
    width = (end - origin).days + 1
    rows = session.execute(
        select(UsageDaily.day, UsageDaily.person_key, Person.team, Person.wave, Person.licensed)
        .select_from(UsageDaily)
        .outerjoin(Person, Person.person_key == UsageDaily.person_key)
        .where(UsageDaily.day >= origin, UsageDaily.day <= end, population.usage_filter())
    ).all()
    index: dict[str, int] = {}
    labels: dict[str, list[Any]] = {"all": [], "team": [], "wave": []}
    licensed: list[bool] = []
    cells: list[tuple[int, int]] = []
    for day, person, team, wave, is_licensed in rows:
        at = index.get(person)
        if at is None:
            at = index[person] = len(index)
            labels["all"].append("all")
            labels["team"].append(team)
            labels["wave"].append(wave)
            licensed.append(bool(is_licensed))
        cells.append((at, (_as_date(day) - origin).days))
    out: dict[tuple[dt.date, Scope], dict[str, int]] = {}
    if not cells:
        return out
    active = np.zeros((len(index), width + 1), dtype=np.int32)
    where = np.array(cells)
    active[where[:, 0], where[:, 1] + 1] = 1
    running = active.cumsum(axis=1)  # running[:, k]: active days before column k
    last = np.arange(WINDOWS["mau"], width + 1)  # the columns just after each output day
    within = {
        code: (running[:, last] - running[:, last - days]) > 0 for code, days in WINDOWS.items()
    }
    wau_licensed = within["wau"] & np.array(licensed)[:, None]
    days = [start + dt.timedelta(days=i) for i in range(len(last))]
    for grouping in groupings:
        members: dict[Any, list[int]] = defaultdict(list)
        for at, value in enumerate(labels[grouping]):
            if value is not None:
                members[value].append(at)
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
