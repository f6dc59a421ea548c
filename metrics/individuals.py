"""Views that list named people, allowed only by ``privacy.individual_views``.

Everything else in Hypercare shows groups of at least ``privacy.min_group_size`` people; the list
of people who have not started yet is the one place where individuals appear, because an
ambassador's job in the hypercare weeks is to go and help them. The caller checks the config key
and the viewer's right to the teams; this module only reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from metrics.scopes import Population
from metrics.store.models import Person, UsageDaily


def not_started(
    session: Session,
    as_of: dt.date,
    population: Population,
    teams: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """Licensed people live on ``as_of`` with no activity since their go-live (the complement of
    ``activation_rate``'s numerator), longest-waiting first.

    ``teams`` limits the list (None: every team of ``population``). Each row has ``person``
    (the stored key: a pseudonym unless pseudonymization is off), ``name`` (the roster's display
    name when stored), ``team``, ``wave``, ``go_live`` and ``days_since_go_live``.
    """
    used = exists().where(
        UsageDaily.person_key == Person.person_key,
        UsageDaily.day <= as_of,
        or_(Person.go_live.is_(None), UsageDaily.day >= Person.go_live),
    )
    query = (
        select(Person.person_key, Person.display_name, Person.team, Person.wave, Person.go_live)
        .where(
            Person.licensed,
            population.people_filter(),
            or_(Person.go_live.is_(None), Person.go_live <= as_of),
            ~used,
        )
        .order_by(Person.go_live, Person.team, Person.display_name, Person.person_key)
    )
    if teams is not None:
        wanted = sorted(set(teams))
        if not wanted:
            return []
        query = query.where(and_(Person.team.in_(wanted)))
    return [
        {
            "person": key,
            "name": name,
            "team": team,
            "wave": wave,
            "go_live": go_live,
            "days_since_go_live": (as_of - go_live).days if go_live is not None else None,
        }
        for key, name, team, wave, go_live in session.execute(query)
    ]
