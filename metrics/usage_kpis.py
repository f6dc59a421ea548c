"""KPIs over usage events and error logs: success and error rates, stickiness, time to first use,
feature breadth, p95 duration and application errors per 1,000 events.

Windows end on the as-of day (inclusive): 30 days for rates, breadth, p95 and errors. ``all``
includes people outside the roster (they used the tool), teams and waves count roster people
only, and the people of suppressed scopes count nowhere (``Population``).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import Session

from metrics.error_counts import counted_errors
from metrics.memo import remember
from metrics.scopes import ALL, GROUPINGS, Population, Scope, group_column
from metrics.store.models import (
    ErrorEvent,
    Person,
    PersonAlias,
    UsageDaily,
    UsageDailyFeature,
    UsageEvent,
)

WINDOW_DAYS = 30
ERROR_LEVELS = ("error", "critical")

Values = dict[str, float | int | None]


def _label(grouping: str):
    return literal("all") if grouping == "all" else group_column(grouping)


def _scope(grouping: str, value: Any) -> Scope:
    return ALL if grouping == "all" else Scope(grouping, value)


def _start(as_of: dt.date) -> dt.date:
    return as_of - dt.timedelta(days=WINDOW_DAYS - 1)


def _grouped_rollup(session: Session, columns: list, where: list, population: Population):
    """Rows (scope, *columns) over the daily rollup joined to people, for every grouping."""
    for grouping in GROUPINGS:
        label = _label(grouping)
        query = (
            select(label, *columns)
            .select_from(UsageDaily)
            .outerjoin(Person, Person.person_key == UsageDaily.person_key)
            .where(*where, population.usage_filter())
            .group_by(label)
        )
        if grouping != "all":
            query = query.where(label.is_not(None))
        for value, *rest in session.execute(query):
            yield _scope(grouping, value), rest


def rates_and_stickiness(
    session: Session, as_of: dt.date, population: Population
) -> dict[Scope, Values]:
    """task_success_rate, error_rate (over events with an outcome) and stickiness."""
    start = _start(as_of)
    window = [UsageDaily.day >= start, UsageDaily.day <= as_of]
    out: dict[Scope, Values] = {}
    totals: dict[Scope, tuple[int, int]] = {}
    columns = [
        func.sum(UsageDaily.ok_events),
        func.sum(UsageDaily.error_events),
        func.count(),  # person-days: the sum of daily active users over the window
        func.count(func.distinct(UsageDaily.person_key)),
    ]
    for scope, (ok, errors, person_days, mau) in _grouped_rollup(
        session, columns, window, population
    ):
        ok, errors = int(ok or 0), int(errors or 0)
        totals[scope] = (ok, errors)
        with_outcome = ok + errors
        out[scope] = {
            "task_success_rate": round(ok / with_outcome, 4) if with_outcome else None,
            "error_rate": round(errors / with_outcome, 4) if with_outcome else None,
            # average DAU over the 30 days ÷ MAU on the as-of day
            "stickiness": round(person_days / WINDOW_DAYS / mau, 4) if mau else None,
        }
    # Counts from monitoring replace the usage events of the days and modules they cover (all only:
    # counts carry no person). See metrics/error_counts.py.
    counted = counted_errors(session, start, as_of, population)
    if counted is not None:
        values = out.setdefault(
            ALL, {"task_success_rate": None, "error_rate": None, "stickiness": None}
        )
        ok_all, errors_all = totals.get(ALL, (0, 0))
        values["error_rate"] = counted.combine(ok_all + errors_all, errors_all)
    return out


RATE_KPIS = ("task_success_rate", "error_rate")


def rate_series(
    session: Session, code: str, start: dt.date, end: dt.date, population: Population
) -> dict[Scope, dict[dt.date, float | None]]:
    """Daily values of one of ``RATE_KPIS`` from ``start`` to ``end``: the same 30-day windows as
    ``rates_and_stickiness``, summed from one query of the daily rollup per grouping instead of
    one snapshot a day."""
    first = _start(start)
    daily: dict[Scope, dict[dt.date, tuple[int, int]]] = defaultdict(dict)
    for grouping in GROUPINGS:
        label = _label(grouping)
        query = (
            select(
                UsageDaily.day,
                label,
                func.sum(UsageDaily.ok_events),
                func.sum(UsageDaily.error_events),
            )
            .select_from(UsageDaily)
            .outerjoin(Person, Person.person_key == UsageDaily.person_key)
            .where(UsageDaily.day >= first, UsageDaily.day <= end, population.usage_filter())
            .group_by(UsageDaily.day, label)
        )
        if grouping != "all":
            query = query.where(label.is_not(None))
        for day, value, ok, errors in session.execute(query):
            daily[_scope(grouping, value)][_as_date(day)] = (int(ok or 0), int(errors or 0))
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    out: dict[Scope, dict[dt.date, float | None]] = {}
    for scope, per_day in daily.items():
        points: dict[dt.date, float | None] = {}
        for day in days:
            window = [
                per_day[d]
                for d in (day - dt.timedelta(days=i) for i in range(WINDOW_DAYS))
                if d in per_day
            ]
            if not window:  # no rollup row in the window: the snapshot has no value either
                continue
            ok = sum(w[0] for w in window)
            errors = sum(w[1] for w in window)
            total = ok + errors
            rate = ok if code == "task_success_rate" else errors
            points[day] = round(rate / total, 4) if total else None
        if points:
            out[scope] = points
    if code == "error_rate":  # counts from monitoring, as in rates_and_stickiness (all only)
        per_day = daily.get(ALL, {})
        for day in days:
            counted = counted_errors(session, _start(day), day, population)
            if counted is None:
                continue
            window = [
                per_day[d]
                for d in (day - dt.timedelta(days=i) for i in range(WINDOW_DAYS))
                if d in per_day
            ]
            ok = sum(w[0] for w in window)
            errors = sum(w[1] for w in window)
            out.setdefault(ALL, {})[day] = counted.combine(ok + errors, errors)
    return out


def time_to_first_use(
    session: Session, as_of: dt.date, population: Population
) -> dict[Scope, Values]:
    """Median days from a licensed person's go-live to their first event since, among those who
    started by the as-of day (people who have not started yet are left out)."""
    first = (
        select(Person.team, Person.wave, Person.go_live, func.min(UsageDaily.day))
        .join(UsageDaily, UsageDaily.person_key == Person.person_key)
        .where(
            Person.licensed,
            Person.go_live.is_not(None),
            Person.go_live <= as_of,
            UsageDaily.day >= Person.go_live,
            UsageDaily.day <= as_of,
            population.people_filter(),
        )
        .group_by(Person.person_key, Person.team, Person.wave, Person.go_live)
    )
    delays: dict[Scope, list[int]] = defaultdict(list)
    for team, wave, go_live, first_day in session.execute(first):
        days = (_as_date(first_day) - _as_date(go_live)).days
        delays[ALL].append(days)
        delays[Scope("team", team)].append(days)
        if wave is not None:
            delays[Scope("wave", wave)].append(days)
    return {scope: {"time_to_first_use": statistics.median(v)} for scope, v in delays.items()}


def feature_breadth(
    session: Session, as_of: dt.date, population: Population, core: tuple[str, ...]
) -> dict[Scope, Values]:
    """Share of the core features (matched on feature or action) used by someone of the scope in
    the 30 days ending the as-of day; null without configured core features."""
    if not core:
        return {}
    wanted = set(core)
    used: dict[Scope, set[str]] = defaultdict(set)
    for grouping in GROUPINGS:
        label = _label(grouping)
        query = (
            select(label, UsageDailyFeature.feature, UsageDailyFeature.action)
            .select_from(UsageDailyFeature)
            .outerjoin(Person, Person.person_key == UsageDailyFeature.person_key)
            .where(
                UsageDailyFeature.day >= _start(as_of),
                UsageDailyFeature.day <= as_of,
                or_(UsageDailyFeature.feature.in_(wanted), UsageDailyFeature.action.in_(wanted)),
                population.usage_filter(),
            )
            .distinct()
        )
        if grouping != "all":
            query = query.where(label.is_not(None))
        for value, feature, action in session.execute(query):
            used[_scope(grouping, value)].update({feature, action} & wanted)
    return {scope: {"feature_breadth": round(len(f) / len(wanted), 4)} for scope, f in used.items()}


def _resolved_person():
    return func.coalesce(PersonAlias.person_key, UsageEvent.user_key)


def window_durations(
    session: Session, start: dt.date, end: dt.date, population: Population, groups: list
) -> tuple[Any, list[tuple[Any, list[Any]]]]:
    """Every ``duration_ms`` of the events of ``start``..``end`` as one float array and, for each
    column of ``groups``, the ``(codes, names)`` of each duration's value of it (code -1: no
    value; ``UsageDailyFeature.feature`` has none for events without a feature).

    Read from the daily rollup's ``durations`` texts, concatenated by the database per distinct
    combination of ``groups`` (a few hundred rows), not from the events: 30 days of a
    2,000-person company are one query over ~300,000 rollup rows instead of ~1,000,000 events.
    """
    import numpy as np

    if session.get_bind().dialect.name == "postgresql":
        joined = func.string_agg(UsageDailyFeature.durations, ",")
    else:
        joined = func.group_concat(UsageDailyFeature.durations, ",")
    rows = session.execute(
        select(*groups, joined)
        .select_from(UsageDailyFeature)
        .outerjoin(Person, Person.person_key == UsageDailyFeature.person_key)
        .where(
            UsageDailyFeature.day >= start,
            UsageDailyFeature.day <= end,
            UsageDailyFeature.durations.is_not(None),
            population.usage_filter(),
        )
        .group_by(*groups)
    ).all()
    if not rows:
        return np.zeros(0), [(np.zeros(0, dtype=np.int64), []) for _ in groups]
    *labels, texts = (list(column) for column in zip(*rows, strict=True))
    counts = np.array([t.count(",") + 1 for t in texts], dtype=np.int64)
    durations = np.fromstring(",".join(texts), dtype=np.float64, sep=",")
    if len(durations) != int(counts.sum()):  # a text that is not a list of numbers
        raise ValueError("usage_daily_feature.durations holds a malformed list")
    for group, values in zip(groups, labels, strict=True):
        if group is UsageDailyFeature.feature:  # '' in the rollup: the event had no feature
            values[:] = [v or None for v in values]
    return durations, [_repeat(values, counts) for values in labels]


def _repeat(values: list[Any], counts: Any) -> tuple[Any, list[Any]]:
    """The codes of ``values`` (-1 for None), each repeated ``counts`` times, and the names."""
    import numpy as np
    import pandas as pd

    codes, names = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    return np.repeat(codes, counts), list(names)


def nearest_rank_p95(
    durations: Any, grouped: list[tuple[Any, list[Any]] | None]
) -> list[dict[Any, float]]:
    """The 95th percentile of ``durations`` for each grouping of ``grouped`` (None: every
    duration together, under ``"all"``; else the ``(codes, names)`` of ``window_durations``), by
    the nearest-rank method: the value at rank ⌈0.95 × n⌉ of the n durations sorted ascending.

    The durations are sorted once; each grouping then only orders its codes (a stable sort, so
    each group's durations stay ascending).
    """
    import numpy as np

    order = np.argsort(durations, kind="stable")
    ascending = durations[order]
    out: list[dict[Any, float]] = []
    for group in grouped:
        if group is None:
            codes, names = np.zeros(len(durations), dtype=np.int64), ["all"]
        else:
            codes, names = group
        codes = codes[order]
        kept = codes >= 0  # events without a value of the group count in no group of it
        codes, values = codes[kept], ascending[kept]
        by_group = np.argsort(codes, kind="stable")
        ranked_durations = values[by_group]
        sizes = np.bincount(codes, minlength=len(names))
        first = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        ranked: dict[Any, float] = {}
        for code, name in enumerate(names):
            n = int(sizes[code])
            if n:  # ⌈0.95 × n⌉ in integers (equal to math.ceil(0.95 * n) for every n < 2·10⁷)
                ranked[name] = float(ranked_durations[first[code] + (95 * n + 99) // 100 - 1])
        out.append(ranked)
    return out


def p95_duration(session: Session, as_of: dt.date, population: Population) -> dict[Scope, Values]:
    """95th percentile of action durations in 30 days, nearest-rank method: the value at rank
    ⌈0.95 × n⌉ of the n durations sorted ascending."""
    columns = [group_column(grouping) for grouping in GROUPINGS if grouping != "all"]
    durations, labels = window_durations(
        session, _start(as_of), as_of, population, [*columns, UsageDailyFeature.feature]
    )
    grouped = iter(labels)
    groups = [None if grouping == "all" else next(grouped) for grouping in GROUPINGS]
    *per_grouping, per_feature = nearest_rank_p95(durations, [*groups, next(grouped)])
    # The same read gives each feature's p95: kept for the feature scopes' calculator of this
    # snapshot (metrics.feature_kpis), which would otherwise read the 30 days again.
    remember(session, feature_p95_key(as_of, population), per_feature)
    out: dict[Scope, Values] = {}
    for grouping, ranked in zip(GROUPINGS, per_grouping, strict=True):
        for value, found in ranked.items():
            out[_scope(grouping, value)] = {"p95_duration_ms": found}
    return out


def feature_p95_key(as_of: dt.date, population: Population) -> tuple:
    """Where ``p95_duration`` leaves each feature's p95 (``metrics.memo``)."""
    return ("feature_p95", as_of, population)


def app_errors_per_1k(
    session: Session, as_of: dt.date, population: Population
) -> dict[Scope, Values]:
    """Error-log entries at level error or above ÷ usage events × 1,000 over 30 days; entries
    without a user count in scope ``all`` only. Null when no error log was ever collected."""
    if session.scalar(select(ErrorEvent.id).limit(1)) is None:
        return {}
    start = _start(as_of)
    events: dict[Scope, int] = {}
    for scope, (n,) in _grouped_rollup(
        session,
        [func.sum(UsageDaily.events)],
        [UsageDaily.day >= start, UsageDaily.day <= as_of],
        population,
    ):
        events[scope] = int(n or 0)
    errors: dict[Scope, int] = defaultdict(int)
    person = func.coalesce(PersonAlias.person_key, ErrorEvent.user_key)
    for grouping in GROUPINGS:
        label = _label(grouping)
        query = (
            select(label, func.count())
            .select_from(ErrorEvent)
            .outerjoin(PersonAlias, PersonAlias.alias_key == ErrorEvent.user_key)
            .outerjoin(Person, Person.person_key == person)
            .where(
                ErrorEvent.day >= start,
                ErrorEvent.day <= as_of,
                ErrorEvent.level.in_(ERROR_LEVELS),
                population.usage_filter(),
            )
            .group_by(label)
        )
        if grouping != "all":
            query = query.where(and_(label.is_not(None), ErrorEvent.user_key.is_not(None)))
        for value, n in session.execute(query):
            errors[_scope(grouping, value)] += n
    out: dict[Scope, Values] = {}
    for scope in set(events) | set(errors):
        n = events.get(scope, 0)
        out[scope] = {"app_errors_per_1k": round(errors[scope] / n * 1000, 2) if n else None}
    return out


def usage_kpis(
    session: Session, as_of: dt.date, population: Population, core: tuple[str, ...]
) -> dict[Scope, Values]:
    """All the KPIs of this module, merged per scope."""
    merged: dict[Scope, Values] = defaultdict(dict)
    for part in (
        rates_and_stickiness(session, as_of, population),
        time_to_first_use(session, as_of, population),
        feature_breadth(session, as_of, population, core),
        p95_duration(session, as_of, population),
        app_errors_per_1k(session, as_of, population),
    ):
        for scope, values in part.items():
            merged[scope].update(values)
    return dict(merged)


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
