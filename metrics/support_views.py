"""What the support page lists: open tickets with their SLA state, weekly response times, and
error-log entries per module and day.

The KPIs themselves (``tickets_open``, medians, breach rate) stay in ``metrics/support.py``; this
module gives the rows behind them, with the same rules: a ticket belongs to its reporter's team
(through e-mail aliases), else to its own team column when that names a roster team; the people
and teams the privacy rule hides count nowhere; a first-response target is not checked where the
source never records first responses (Jira exports).

**SLA state** of an open ticket at a moment: ``breached`` when a target it is judged on has
passed (first response while none was given, or resolution), ``at_risk`` when at least
``AT_RISK_SHARE`` of a pending target's time has gone, ``on_time`` otherwise, ``no_target`` when
its priority has no target in ``support.sla_hours``.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from metrics.scopes import Population
from metrics.store.models import ErrorEvent, Person, PersonAlias, Ticket
from metrics.support import end_of_day
from metrics.usage_kpis import ERROR_LEVELS

AT_RISK_SHARE = 0.75
SLA_STATES = ("breached", "at_risk", "on_time", "no_target")


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _hours(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 3600


def _tickets(session: Session, until: dt.datetime, population: Population) -> list[dict[str, Any]]:
    """Tickets created before ``until``, each with the team it counts in (or None)."""
    teams = set(session.scalars(select(Person.team).distinct()))
    person = func.coalesce(PersonAlias.person_key, Ticket.reporter_key)
    rows = session.execute(
        select(Ticket, Person.person_key, Person.team)
        .outerjoin(PersonAlias, PersonAlias.alias_key == Ticket.reporter_key)
        .outerjoin(Person, Person.person_key == person)
        .where(Ticket.created_at < until, population.usage_filter())
    ).all()
    out = []
    for ticket, key, person_team in rows:
        team = person_team if key is not None else None
        if key is None and ticket.team in teams:
            if ticket.team in population.excluded_teams:
                continue  # a hidden team's ticket counts nowhere
            team = ticket.team
        out.append(
            {
                "source": ticket.source,
                "ref": ticket.ticket_ref,
                "subject": ticket.subject,
                "priority": ticket.priority,
                "status": ticket.status,
                "module": ticket.module,
                "team": team,
                "created_at": _utc(ticket.created_at),
                "first_response_at": _utc(ticket.first_response_at),
                "resolved_at": _utc(ticket.resolved_at),
            }
        )
    return out


def _measuring_sources(session: Session) -> set[str]:
    """Sources that record first responses on at least one ticket."""
    return set(
        session.scalars(
            select(Ticket.source).where(Ticket.first_response_at.is_not(None)).distinct()
        )
    )


def sla_state(
    created: dt.datetime,
    responded: dt.datetime | None,
    moment: dt.datetime,
    targets: tuple[float | None, float | None],
) -> tuple[str, float | None]:
    """The SLA state of a ticket still open at ``moment`` and the hours left before its next
    target (negative once passed; None without a target). ``targets`` are (first response,
    resolution) hours, a first-response target None where it is not judged."""
    first_target, resolution_target = targets
    elapsed = _hours(created, moment)
    pending: list[float] = []
    breached = False
    if first_target is not None:
        if responded is None:
            pending.append(first_target)
        elif _hours(created, responded) > first_target:
            breached = True
    if resolution_target is not None:
        pending.append(resolution_target)
    if not pending and not breached:
        return ("no_target", None)
    left = min(pending) - elapsed if pending else None
    if breached or any(elapsed > target for target in pending):
        overdue = [target for target in pending if elapsed > target]
        return ("breached", (min(overdue) - elapsed) if overdue else left)
    if any(elapsed >= AT_RISK_SHARE * target for target in pending):
        return ("at_risk", left)
    return ("on_time", left)


def open_tickets(
    session: Session,
    as_of: dt.date,
    tz: ZoneInfo,
    sla_hours: dict[str, tuple[float | None, float | None]],
    population: Population,
    now: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Tickets not resolved at the end of ``as_of`` (or at ``now`` when that comes first), the
    most urgent first: each ticket's fields, ``age_h``, ``sla_state`` and ``hours_left``."""
    end = end_of_day(as_of, tz)
    moment = min(end, _utc(now) or end)
    measuring = _measuring_sources(session)
    out = []
    for t in _tickets(session, moment, population):
        if t["resolved_at"] is not None and t["resolved_at"] < moment:
            continue
        first, resolution = sla_hours.get((t["priority"] or "").casefold(), (None, None))
        if t["source"] not in measuring:
            first = None
        responded = t["first_response_at"]
        responded = responded if responded is not None and responded < moment else None
        state, left = sla_state(t["created_at"], responded, moment, (first, resolution))
        out.append(
            t
            | {
                "first_response_at": responded,
                "resolved_at": None,
                "age_h": round(_hours(t["created_at"], moment), 1),
                "sla_state": state,
                "hours_left": None if left is None else round(left, 1),
            }
        )
    rank = {state: i for i, state in enumerate(SLA_STATES)}
    return sorted(
        out,
        key=lambda r: (
            rank[r["sla_state"]],
            r["hours_left"] if r["hours_left"] is not None else float("inf"),
            r["created_at"],
        ),
    )


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def weekly_response_times(
    session: Session, start: dt.date, end: dt.date, tz: ZoneInfo, population: Population
) -> list[dict[str, Any]]:
    """Per week (Monday, company time) of ticket creation from ``start`` to ``end``: tickets
    created, the median hours to first response and to resolution of those answered or resolved
    by the end of ``end`` (None when none was)."""
    until = end_of_day(end, tz)
    created: dict[dt.date, int] = defaultdict(int)
    first: dict[dt.date, list[float]] = defaultdict(list)
    resolution: dict[dt.date, list[float]] = defaultdict(list)
    for t in _tickets(session, until, population):
        day = t["created_at"].astimezone(tz).date()
        if day < start:
            continue
        week = _monday(day)
        created[week] += 1
        if t["first_response_at"] is not None and t["first_response_at"] < until:
            first[week].append(_hours(t["created_at"], t["first_response_at"]))
        if t["resolved_at"] is not None and t["resolved_at"] < until:
            resolution[week].append(_hours(t["created_at"], t["resolved_at"]))
    out = []
    week = _monday(start)
    while week <= end:
        out.append(
            {
                "week": week,
                "created": created.get(week, 0),
                "first_response_p50_h": _median(first.get(week)),
                "resolution_p50_h": _median(resolution.get(week)),
            }
        )
        week += dt.timedelta(days=7)
    return out


def _median(values: list[float] | None) -> float | None:
    return round(statistics.median(values), 2) if values else None


def errors_by_module(session: Session, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Error-log entries at level error or above per day and module from ``start`` to ``end``
    (days with none are left out; a missing module is ``""``)."""
    rows = session.execute(
        select(ErrorEvent.day, ErrorEvent.module, func.count())
        .where(
            ErrorEvent.day >= start,
            ErrorEvent.day <= end,
            ErrorEvent.level.in_(ERROR_LEVELS),
        )
        .group_by(ErrorEvent.day, ErrorEvent.module)
    )
    return sorted(
        (
            {"day": _as_date(day), "module": module or "", "errors": int(n)}
            for day, module, n in rows
        ),
        key=lambda r: (r["module"], r["day"]),
    )


def has_errors(session: Session) -> bool:
    """Whether any error-log entry is stored."""
    return session.scalar(select(ErrorEvent.id).limit(1)) is not None


def has_tickets(session: Session) -> bool:
    """Whether any ticket is stored."""
    return session.scalar(select(Ticket.id).limit(1)) is not None


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
