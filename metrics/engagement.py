"""Beyond the basics: engagement score, frequency bands, weekly lifecycle, feature adoption,
retention per wave, and each wave on a go-live-relative axis.

These read the daily rollups (one row per person and day, and per feature) for a bounded window
and shape small results in Python. People of suppressed scopes count nowhere (``Population``).

Definitions (docs/kpis.md repeats them):

- **Frequency bands**: a licensed person's active days in the 30 days ending the as-of day —
  inactive (0), occasional (1–3), regular (4–11), frequent (12 or more: about every other
  working day).
- **Lifecycle per week** (weeks Monday–Sunday): *new* — active this week for the first time ever;
  *returning* — active this week and the week before; *resurrecting* — active this week, not the
  week before, but some time earlier; *dormant* — active the week before, not this week (shown
  below zero).
- **Engagement score** (in the spirit of Pendo's PES), 0–100, the mean of three parts over the 30
  days ending the as-of day: *adoption* — the average share of core features each active person
  used; *stickiness* — average DAU ÷ MAU; *growth* — (new + resurrecting) ÷ (new + resurrecting +
  dormant) over the last four weeks (0.5 when as many come as go). A part without data is left out
  of the mean.
- **Feature adoption**: people who used a feature in 30 days ÷ licensed people of the scope.
- **Retention per wave**: for week k after a wave's go-live (days 7k … 7k+6), the share of the
  wave's licensed people active in that week.
- **Go-live-relative axis**: a wave's daily adoption rate against the days since its go-live
  (day 0 = go-live), so that later waves can be laid over the pilot.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from metrics.adoption import daily_series
from metrics.reads import day_offsets, plain_rows
from metrics.scopes import ALL, Population, Scope
from metrics.store.models import Person, UsageDaily, UsageDailyFeature

BANDS = (("inactive", 0, 0), ("occasional", 1, 3), ("regular", 4, 11), ("frequent", 12, 30))


@dataclass(frozen=True)
class PersonInfo:
    team: str | None
    wave: str | None
    licensed: bool
    go_live: dt.date | None

    def scopes(self) -> list[Scope]:
        out = [ALL]
        if self.team is not None:
            out.append(Scope("team", self.team))
        if self.wave is not None:
            out.append(Scope("wave", self.wave))
        return out


def _people(session: Session, population: Population) -> dict[str, PersonInfo]:
    rows = session.execute(
        select(Person.person_key, Person.team, Person.wave, Person.licensed, Person.go_live).where(
            population.people_filter()
        )
    )
    return {
        key: PersonInfo(team, wave, bool(lic), _as_date(go)) for key, team, wave, lic, go in rows
    }


def _hidden_people(session: Session, people: dict[str, PersonInfo]) -> set[str]:
    """Roster people left out by the privacy rule (unlike people outside the roster)."""
    return set(session.scalars(select(Person.person_key))) - set(people)


def _active_days(session: Session, start: dt.date, end: dt.date) -> dict[str, set[dt.date]]:
    days: dict[str, set[dt.date]] = defaultdict(set)
    as_date: dict[Any, dt.date | None] = {}  # each distinct day converted once
    for day, person in plain_rows(
        session,
        select(UsageDaily.day, UsageDaily.person_key).where(
            UsageDaily.day >= start, UsageDaily.day <= end
        ),
    ):
        found = as_date.get(day)
        if found is None:
            found = as_date[day] = _as_date(day)
        days[person].add(found)
    return days


def frequency_bands(
    session: Session, as_of: dt.date, population: Population
) -> dict[Scope, dict[str, int]]:
    """Licensed people per band of active days in the 30 days ending ``as_of``, per scope."""
    people = _people(session, population)
    active = _active_days(session, as_of - dt.timedelta(days=29), as_of)
    out: dict[Scope, dict[str, int]] = defaultdict(lambda: {name: 0 for name, _, _ in BANDS})
    for key, info in people.items():
        if not info.licensed:
            continue
        n = len(active.get(key, ()))
        band = next(name for name, low, high in BANDS if low <= n <= high)
        for scope in info.scopes():
            out[scope][band] += 1
    return dict(out)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _first_active_days(session: Session, end: dt.date) -> dict[str, dt.date]:
    """Each person's first active day on or before ``end`` (``ix_usage_daily_person_day``)."""
    rows = session.execute(
        select(UsageDaily.person_key, func.min(UsageDaily.day))
        .where(UsageDaily.day <= end)
        .group_by(UsageDaily.person_key)
    )
    return {person: _as_date(first) for person, first in rows}


def lifecycle(
    session: Session, start: dt.date, end: dt.date, population: Population
) -> list[dict[str, Any]]:
    """Per week (Monday) from the week of ``start`` to the week of ``end``, per scope: new,
    returning, resurrecting and dormant people (dormant as a negative number); a scope appears in
    a week when one of the four is not zero.

    Reads the active days of those weeks and the week before, and each person's first active day
    (was there an active week before the previous one?), not the whole history; the states come
    from a person × week matrix (numpy), not a loop over people and weeks.
    """
    import numpy as np
    import pandas as pd

    first_week = _monday(start)
    if end < first_week:
        return []
    origin = first_week - dt.timedelta(days=7)  # column 0: the week before the first
    columns = (end - origin).days // 7 + 1
    rows = plain_rows(
        session,
        select(UsageDaily.day, UsageDaily.person_key).where(
            UsageDaily.day >= origin, UsageDaily.day <= end
        ),
    )
    if not rows:
        return []
    people = _people(session, population)
    hidden = _hidden_people(session, people)
    at, keys = pd.factorize(pd.Series([row[1] for row in rows], dtype=object))
    active = np.zeros((len(keys), columns), dtype=bool)
    active[at, day_offsets([row[0] for row in rows], origin) // 7] = True
    first_day = _first_active_days(session, end)
    first_column = np.array([(_monday(first_day[key]) - origin).days // 7 for key in keys])
    now, before = active[:, 1:], active[:, :-1]
    # output week i is column i + 1; an active week before the previous one: first column < i
    earlier = first_column[:, None] < np.arange(columns - 1)[None, :]
    states = {
        "new": now & ~before & ~earlier,
        "returning": now & before,
        "resurrecting": now & ~before & earlier,
        "dormant": ~now & before,
    }
    members: dict[Scope, list[int]] = defaultdict(list)
    for row, key in enumerate(keys):
        if key in hidden:
            continue
        info = people.get(key)
        for scope in info.scopes() if info else [ALL]:  # outside the roster: all only
            members[scope].append(row)
    sums = {
        scope: {state: values[rows_of].sum(axis=0) for state, values in states.items()}
        for scope, rows_of in members.items()
    }
    out = []
    for week_index in range(columns - 1):
        week = first_week + dt.timedelta(days=7 * week_index)
        for scope in sorted(sums, key=str):
            counts = {state: int(values[week_index]) for state, values in sums[scope].items()}
            if any(counts.values()):
                out.append(
                    {"week": week, "scope": str(scope), **counts, "dormant": -counts["dormant"]}
                )
    return out


def feature_adoption(
    session: Session, as_of: dt.date, population: Population
) -> list[dict[str, Any]]:
    """Per scope and feature: people who used it in 30 days, and their share of licensed people."""
    people = _people(session, population)
    licensed: dict[Scope, int] = defaultdict(int)
    for info in people.values():
        if info.licensed:
            for scope in info.scopes():
                licensed[scope] += 1
    users: dict[tuple[Scope, str], set[str]] = defaultdict(set)
    rows = session.execute(
        select(UsageDailyFeature.person_key, UsageDailyFeature.feature)
        .where(
            UsageDailyFeature.day >= as_of - dt.timedelta(days=29),
            UsageDailyFeature.day <= as_of,
            UsageDailyFeature.feature != "",
        )
        .distinct()
    )
    for person, feature in rows:
        info = people.get(person)
        if info is None or not info.licensed:
            continue
        for scope in info.scopes():
            users[(scope, feature)].add(person)
    return [
        {
            "scope": str(scope),
            "feature": feature,
            "users": len(who),
            "adoption": round(len(who) / licensed[scope], 4) if licensed[scope] else None,
        }
        for (scope, feature), who in sorted(users.items(), key=lambda kv: (kv[0][0], kv[0][1]))
    ]


def retention_by_wave(
    session: Session, as_of: dt.date, population: Population, weeks: int = 12
) -> list[dict[str, Any]]:
    """Per wave and week k since its go-live: the share of its licensed people active that week
    (only weeks that ended by ``as_of``)."""
    people = _people(session, population)
    members: dict[str, list[str]] = defaultdict(list)
    go_live: dict[str, dt.date] = {}
    for key, info in people.items():
        if info.wave is None or not info.licensed:
            continue
        members[info.wave].append(key)
        if info.go_live is not None:
            go_live[info.wave] = min(go_live.get(info.wave, info.go_live), info.go_live)
    if not go_live:
        return []
    active = _active_days(session, min(go_live.values()), as_of)
    out = []
    for wave, start in sorted(go_live.items(), key=lambda kv: kv[1]):
        for k in range(weeks):
            first, last = start + dt.timedelta(days=7 * k), start + dt.timedelta(days=7 * k + 6)
            if last > as_of:
                break
            n = sum(1 for p in members[wave] if any(first <= d <= last for d in active.get(p, ())))
            out.append(
                {
                    "wave": wave,
                    "week": k,
                    "active": n,
                    "retention": round(n / len(members[wave]), 4),
                }
            )
    return out


def go_live_relative(
    session: Session, as_of: dt.date, population: Population, days: int = 120
) -> list[dict[str, Any]]:
    """Each wave's daily adoption rate against the days since its go-live (day 0 = go-live)."""
    people = _people(session, population)
    go_live: dict[str, dt.date] = {}
    for info in people.values():
        if info.wave is not None and info.go_live is not None:
            go_live[info.wave] = min(go_live.get(info.wave, info.go_live), info.go_live)
    if not go_live:
        return []
    start = min(go_live.values())
    end = min(as_of, max(go_live.values()) + dt.timedelta(days=days))
    rows = daily_series(session, start, end, ("wave",), population)
    out = []
    for row in rows:
        if row["kpi"] != "adoption_rate" or row["value"] is None:
            continue
        wave = Scope.parse(row["scope"]).value
        if wave not in go_live:
            continue
        offset = (row["day"] - go_live[wave]).days
        if 0 <= offset <= days:
            out.append({"wave": wave, "day": offset, "adoption_rate": row["value"]})
    return sorted(out, key=lambda r: (go_live[r["wave"]], r["day"]))


def engagement_score(
    session: Session, as_of: dt.date, population: Population, core: tuple[str, ...]
) -> dict[Scope, dict[str, float | None]]:
    """The engagement score (0–100) per scope, with its three parts (see the module docstring)."""
    people = _people(session, population)
    start = as_of - dt.timedelta(days=29)
    active = _active_days(session, start, as_of)
    core_used: dict[str, set[str]] = defaultdict(set)
    if core:
        wanted = set(core)
        for person, feature, action in session.execute(
            select(
                UsageDailyFeature.person_key, UsageDailyFeature.feature, UsageDailyFeature.action
            )
            .where(UsageDailyFeature.day >= start, UsageDailyFeature.day <= as_of)
            .distinct()
        ):
            core_used[person] |= {feature, action} & wanted
    shares: dict[Scope, list[float]] = defaultdict(list)
    person_days: dict[Scope, int] = defaultdict(int)
    mau: dict[Scope, int] = defaultdict(int)
    hidden = _hidden_people(session, people)
    for person, days in active.items():
        if person in hidden:
            continue
        info = people.get(person)
        scopes = info.scopes() if info else [ALL]
        for scope in scopes:
            person_days[scope] += len(days)
            mau[scope] += 1
            if core:
                shares[scope].append(len(core_used.get(person, ())) / len(core))
    growth_in: dict[str, int] = defaultdict(int)
    growth_out: dict[str, int] = defaultdict(int)
    for row in lifecycle(session, as_of - dt.timedelta(days=27), as_of, population):
        growth_in[row["scope"]] += row["new"] + row["resurrecting"]
        growth_out[row["scope"]] += -row["dormant"]
    out: dict[Scope, dict[str, float | None]] = {}
    for scope in set(mau) | {Scope.parse(s) for s in growth_in}:
        adoption_part = sum(shares[scope]) / len(shares[scope]) if shares.get(scope) else None
        stickiness = person_days[scope] / 30 / mau[scope] if mau.get(scope) else None
        came, went = growth_in.get(str(scope), 0), growth_out.get(str(scope), 0)
        growth = came / (came + went) if came + went else None
        parts = [p for p in (adoption_part, stickiness, growth) if p is not None]
        out[scope] = {
            "engagement_score": round(100 * sum(parts) / len(parts), 1) if parts else None,
            "engagement_adoption": None if adoption_part is None else round(adoption_part, 4),
            "engagement_stickiness": None if stickiness is None else round(stickiness, 4),
            "engagement_growth": None if growth is None else round(growth, 4),
        }
    return out


def _as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
