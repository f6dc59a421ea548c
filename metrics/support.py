"""Support KPIs over tickets: open tickets, median first-response and resolution times, SLA
breaches (against ``support.sla_hours``).

A ticket belongs to the team of its reporter when the reporter is a roster person, else to its
own team column when that names a roster team; otherwise it counts in ``all`` only. Durations and
the breach rate cover the tickets created in the 90 days ending the as-of day; ``tickets_open``
counts tickets not resolved at the end of the as-of day (company time).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from metrics.scopes import ALL, Population, Scope
from metrics.store.models import Person, PersonAlias, Ticket

WINDOW_DAYS = 90

Values = dict[str, float | int | None]


@dataclass(frozen=True)
class TicketFacts:
    """What the KPIs need of one ticket, times in UTC."""

    source: str
    priority: str | None
    created: dt.datetime
    first_response: dt.datetime | None
    resolved: dt.datetime | None
    scopes: tuple[Scope, ...]


def end_of_day(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The first instant after ``day`` in the company's zone, in UTC."""
    start_next = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return start_next.astimezone(dt.UTC)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def load_tickets(session: Session, until: dt.datetime, population: Population) -> list[TicketFacts]:
    """Tickets created before ``until`` with the scopes they count in."""
    teams = set(session.scalars(select(Person.team).distinct()))
    person = func.coalesce(PersonAlias.person_key, Ticket.reporter_key)
    rows = session.execute(
        select(
            Ticket.source,
            Ticket.priority,
            Ticket.created_at,
            Ticket.first_response_at,
            Ticket.resolved_at,
            Ticket.team,
            Person.person_key,
            Person.team,
            Person.wave,
        )
        .outerjoin(PersonAlias, PersonAlias.alias_key == Ticket.reporter_key)
        .outerjoin(Person, Person.person_key == person)
        .where(Ticket.created_at < until, population.usage_filter())
    ).all()
    out = []
    for source, priority, created, first, resolved, ticket_team, key, team, wave in rows:
        scopes: list[Scope] = [ALL]
        if key is not None:
            scopes.append(Scope("team", team))
            if wave is not None:
                scopes.append(Scope("wave", wave))
        elif ticket_team in teams:
            if ticket_team in population.excluded_teams:
                continue  # a hidden team's ticket counts nowhere
            scopes.append(Scope("team", ticket_team))
        out.append(
            TicketFacts(source, priority, _utc(created), _utc(first), _utc(resolved), tuple(scopes))
        )
    return out


def _hours(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 3600


def support_kpis(
    session: Session,
    as_of: dt.date,
    population: Population,
    tz: ZoneInfo,
    sla_hours: dict[str, tuple[float | None, float | None]],
) -> dict[Scope, Values]:
    """tickets_open, first_response_p50_h, resolution_p50_h and sla_breach_rate per scope."""
    if session.scalar(select(Ticket.id).limit(1)) is None:
        return {}  # no ticket source: no data, not zero
    end = end_of_day(as_of, tz)
    start = end - dt.timedelta(days=WINDOW_DAYS)
    tickets = load_tickets(session, end, population)
    # A source whose tickets never carry a first response cannot measure it (Jira exports).
    measures_first = {t.source for t in tickets if t.first_response is not None}
    open_count: dict[Scope, int] = defaultdict(int)
    first: dict[Scope, list[float]] = defaultdict(list)
    resolution: dict[Scope, list[float]] = defaultdict(list)
    breached: dict[Scope, int] = defaultdict(int)
    judged: dict[Scope, int] = defaultdict(int)
    for t in tickets:
        resolved = t.resolved if t.resolved is not None and t.resolved < end else None
        responded = (
            t.first_response if t.first_response is not None and t.first_response < end else None
        )
        for scope in t.scopes:
            if resolved is None:
                open_count[scope] += 1
            else:
                open_count.setdefault(scope, 0)
        if t.created < start:
            continue
        targets = sla_hours.get((t.priority or "").casefold(), (None, None))
        verdict = _sla(t, responded, resolved, end, targets, t.source in measures_first)
        for scope in t.scopes:
            if responded is not None:
                first[scope].append(_hours(t.created, responded))
            if resolved is not None:
                resolution[scope].append(_hours(t.created, resolved))
            if verdict is not None:
                judged[scope] += 1
                breached[scope] += int(verdict)
    out: dict[Scope, Values] = {}
    for scope in set(open_count) | set(first) | set(resolution) | set(judged):
        out[scope] = {
            "tickets_open": open_count.get(scope, 0),
            "first_response_p50_h": _median(first.get(scope)),
            "resolution_p50_h": _median(resolution.get(scope)),
            "sla_breach_rate": round(breached[scope] / judged[scope], 4) if judged[scope] else None,
        }
    return out


def _median(values: list[float] | None) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _sla(
    ticket: TicketFacts,
    responded: dt.datetime | None,
    resolved: dt.datetime | None,
    end: dt.datetime,
    targets: tuple[float | None, float | None],
    first_measurable: bool,
) -> bool | None:
    """True breached, False kept; None when not judged: no target for its priority, or still
    open and within its targets. A resolution stands for the first response when none is
    recorded; a first-response target is not checked where the source cannot measure it."""
    first_target, resolution_target = targets
    if not first_measurable:
        first_target = None
    if first_target is None and resolution_target is None:
        return None
    breach = False
    if first_target is not None:
        breach |= _hours(ticket.created, responded or resolved or end) > first_target
    if resolution_target is not None:
        breach |= _hours(ticket.created, resolved or end) > resolution_target
    if resolved is None and not breach:
        return None
    return breach
