"""KPIs of feature scopes (``feature:<name>``): who uses a feature of the new tool, and how well
it works for them.

A feature scope is not a group of people: it is the company's activity in one feature (the
``feature`` column of usage events, e.g. the module of the new tool). Its KPIs, over the same
windows as everywhere (``docs/kpis.md``):

* ``licensed_users``: the company's licensed users (the people who could use the feature);
* ``dau`` / ``wau`` / ``mau``: distinct people with an event in the feature in 1 / 7 / 30 days;
* ``adoption_rate``: licensed people with an event in the feature in 7 days ÷ licensed users;
* ``task_success_rate`` / ``error_rate``: over the feature's events with an outcome, 30 days;
* ``p95_duration_ms``: 95th percentile (nearest rank) of the feature's action durations, 30 days.

The other KPIs (surveys, tickets, time to first use…) are about people or teams and stay None.
Privacy: the people of suppressed scopes count nowhere (``Population``), and a feature used by
fewer than ``privacy.min_group_size`` people in 30 days is suppressed like a small team
(``small_features``), so that no figure describes the activity of one or two people.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import Integer, and_, case, distinct, func, select
from sqlalchemy.orm import Session

from metrics.memo import recall, remembered
from metrics.scopes import Population, Scope
from metrics.store.models import Person, UsageDailyFeature
from metrics.usage_kpis import nearest_rank_p95, window_durations

WINDOWS = {"dau": 1, "wau": 7, "mau": 30}
RATE_DAYS = 30
FEATURE_KPIS = (
    "licensed_users",
    "dau",
    "wau",
    "mau",
    "adoption_rate",
    "task_success_rate",
    "error_rate",
    "p95_duration_ms",
)

Values = dict[str, float | int | None]


def _start(as_of: dt.date, days: int) -> dt.date:
    return as_of - dt.timedelta(days=days - 1)


def _rollup(
    session: Session,
    as_of: dt.date,
    population: Population,
    features: frozenset[str] | None = None,
):
    """Per feature: distinct people per window, licensed people in 7 days, outcome counts.

    Remembered for the transaction (``metrics.memo``): a report asks for it twice (which features
    are small, then their KPIs), a scan of 30 days of the per-feature rollup each time.
    """
    return remembered(
        session,
        ("feature_rollup", as_of, population, features),
        lambda: _read_rollup(session, as_of, population, features),
    )


def _read_rollup(
    session: Session,
    as_of: dt.date,
    population: Population,
    features: frozenset[str] | None,
):
    start = {code: _start(as_of, days) for code, days in WINDOWS.items()}
    people = {
        code: func.count(
            distinct(case((UsageDailyFeature.day >= start[code], UsageDailyFeature.person_key)))
        )
        for code in WINDOWS
    }
    licensed_week = func.count(
        distinct(
            case(
                (
                    and_(UsageDailyFeature.day >= start["wau"], Person.licensed),
                    UsageDailyFeature.person_key,
                )
            )
        )
    )
    query = (
        select(
            UsageDailyFeature.feature,
            people["dau"],
            people["wau"],
            people["mau"],
            licensed_week,
            func.coalesce(func.sum(UsageDailyFeature.ok_events), 0).cast(Integer),
            func.coalesce(func.sum(UsageDailyFeature.error_events), 0).cast(Integer),
        )
        .select_from(UsageDailyFeature)
        .outerjoin(Person, Person.person_key == UsageDailyFeature.person_key)
        .where(
            UsageDailyFeature.day >= start["mau"],
            UsageDailyFeature.day <= as_of,
            UsageDailyFeature.feature != "",
            population.usage_filter(),
        )
        .group_by(UsageDailyFeature.feature)
    )
    if features is not None:
        query = query.where(UsageDailyFeature.feature.in_(sorted(features)))
    return session.execute(query).all()


def feature_users(session: Session, as_of: dt.date, population: Population) -> dict[str, int]:
    """Distinct people per feature in the 30 days ending ``as_of`` (the size of its scope)."""
    return {row[0]: int(row[3]) for row in _rollup(session, as_of, population)}


def small_features(
    session: Session, as_of: dt.date, population: Population, min_group_size: int
) -> list[Scope]:
    """The feature scopes used by fewer than ``min_group_size`` people in 30 days."""
    return [
        Scope("feature", name)
        for name, users in sorted(feature_users(session, as_of, population).items())
        if users < min_group_size
    ]


def _p95(session: Session, as_of: dt.date, population: Population) -> dict[str, float | None]:
    from metrics.usage_kpis import feature_p95_key

    found = recall(session, feature_p95_key(as_of, population))
    if found is not None:  # the snapshot's p95_duration read them already
        return found
    durations, (by_feature,) = window_durations(
        session, _start(as_of, RATE_DAYS), as_of, population, [UsageDailyFeature.feature]
    )
    return nearest_rank_p95(durations, [by_feature])[0]


def feature_kpis(
    session: Session,
    as_of: dt.date,
    population: Population,
    min_group_size: int,
    features: frozenset[str] | None = None,
    with_durations: bool = True,
) -> dict[Scope, Values]:
    """The KPIs of every feature scope used by at least ``min_group_size`` people in 30 days
    (only ``features`` when given; ``p95_duration_ms`` None unless ``with_durations``)."""
    licensed = int(
        session.scalar(
            select(func.coalesce(func.sum(Person.licensed.cast(Integer)), 0)).where(
                population.people_filter()
            )
        )
        or 0
    )
    durations = _p95(session, as_of, population) if with_durations else {}
    out: dict[Scope, Values] = defaultdict(dict)
    rows = _rollup(session, as_of, population, features)
    for feature, dau, wau, mau, licensed_week, ok, errors in rows:
        if mau < min_group_size:
            continue
        outcomes = ok + errors
        out[Scope("feature", feature)] = {
            "licensed_users": licensed,
            "dau": dau,
            "wau": wau,
            "mau": mau,
            "adoption_rate": licensed_week / licensed if licensed else None,
            "task_success_rate": ok / outcomes if outcomes else None,
            "error_rate": errors / outcomes if outcomes else None,
            "p95_duration_ms": durations.get(feature),
        }
    return dict(out)
