"""Data quality: is each source read, recent and whole, and who is in the data but not the roster.

- **Source health** (``source_health``): per source, its last read file, last successful read,
  last error, the newest day its records cover (freshness, against ``today``) and the ledger's
  totals (rows read = accepted + duplicates + quarantined). A source is ``never`` read, in
  ``error`` (its newest file failed), ``late`` (its newest record is older than its kind allows:
  ``LATE_AFTER_DAYS``) or ``ok``. Roster and survey sources are not judged on freshness: a
  roster changes rarely and surveys come in rounds. A source is ``late`` too when its last
  successful run (``source_status``: a run that found nothing new still succeeded) is older than
  half an interval past its ``every:`` (``RUN_GRACE``), or than ``RUN_LATE_AFTER`` without one.
- **File ledger** (``file_ledger``): the same counts per file read, newest first.
- **Roster coverage** (``roster_coverage``): per usage, error-log and ticket source, over the
  30 days ending the as-of day, how many records and distinct (pseudonymized) identifiers match
  no roster person, directly or through an alias. Only counts leave this module.
- **Alert states** (``alert_states``): the rows of the alerts' state table, for the dashboard's
  count of firing alerts (an empty list while the alerts have never run).

Only the ``ingest_files`` ledger counts rows: a file skipped because its checksum was already
read leaves no row, so "last read" is the last time a source brought something new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, func, inspect, or_, select
from sqlalchemy.orm import Session

from metrics.store.models import (
    AlertState,
    ErrorCount,
    ErrorEvent,
    IngestFile,
    IngestRun,
    MeetingNote,
    Person,
    PersonAlias,
    SourceStatus,
    SurveyResponse,
    Ticket,
    UsageEvent,
)

#: Days a source's newest record may be behind ``today`` before it counts as late, per kind.
LATE_AFTER_DAYS: dict[str, int] = {
    "usage": 3,
    "errors": 7,
    "error_counts": 3,
    "tickets": 7,
    "meetings": 30,
}
#: Seconds a source's last successful run may be old when it has no ``every:`` of its own.
RUN_LATE_AFTER = 86400.0
#: A source with an interval is late once its last success is this many intervals old (the half
#: interval past the due time leaves the run itself time to finish).
RUN_GRACE = 1.5
COVERAGE_DAYS = 30
STATES = ("ok", "late", "error", "never")


def _as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _has_table(session: Session, model: type) -> bool:
    """Whether the store has ``model``'s table (a table whose migration is not there yet has no
    rows to read)."""
    return inspect(session.connection()).has_table(model.__tablename__)  # type: ignore[attr-defined]


def _newest_days(session: Session, tz: ZoneInfo) -> dict[tuple[str, str], dt.date | None]:
    """The newest record day of every source, keyed by (kind, source).

    Usage sources, whose events are the store's millions, from the ledger (each file keeps the
    newest day it delivered); the other kinds from their records.
    """
    out: dict[tuple[str, str], dt.date | None] = {}
    for source, day in session.execute(
        select(IngestFile.source, func.max(IngestFile.newest_day))
        .where(IngestFile.kind == "usage")
        .group_by(IngestFile.source)
    ):
        out[("usage", source)] = _as_date(day)
    for kind, model, column in (
        ("errors", ErrorEvent, ErrorEvent.day),
        ("error_counts", ErrorCount, ErrorCount.last_day),
        ("survey", SurveyResponse, SurveyResponse.day),
        ("meetings", MeetingNote, MeetingNote.day),
    ):
        if not _has_table(session, model):
            continue
        for source, day in session.execute(
            select(model.source, func.max(column)).group_by(model.source)
        ):
            out[(kind, source)] = _as_date(day)
    # Tickets keep instants: the newest one, as a calendar day of the company.
    for source, newest in session.execute(
        select(Ticket.source, func.max(Ticket.created_at)).group_by(Ticket.source)
    ):
        stamp = _utc(newest)
        out[("tickets", source)] = stamp.astimezone(tz).date() if stamp else None
    return out


def source_health(
    session: Session,
    sources: Iterable[tuple[str, str]],
    today: dt.date,
    tz: ZoneInfo | None = None,
    *,
    now: dt.datetime | None = None,
    intervals: Mapping[str, float | None] | None = None,
) -> list[dict[str, Any]]:
    """One row per source: the configured ``(name, kind)`` pairs in their order, then sources
    the ledger knows but the config no longer lists (``configured`` False).

    ``intervals``: a source's ``every:`` in seconds (None or absent: ``RUN_LATE_AFTER``);
    ``now``: the instant run ages are measured at (default: the clock). Besides the ledger's
    figures each row has ``last_run`` (the last collect of the source, whatever it found),
    ``run_age_seconds`` (since the last success), ``run_late_after_seconds`` and ``run_late``.

    Each row: ``source``, ``kind``, ``configured``, ``state`` (ok | late | error | never),
    ``last_read`` and ``last_success`` (UTC instants), ``last_error`` (its message) and
    ``last_error_at``, ``newest_day``, ``age_days`` (``today`` − newest day), ``late_after``
    (None when the kind is not judged on freshness), ``files`` and the ledger's totals
    ``rows_read``, ``accepted``, ``duplicates``, ``quarantined``.
    """
    tz = tz or ZoneInfo("UTC")
    wanted = list(dict.fromkeys(sources))
    totals = {
        row.source: row
        for row in session.execute(
            select(
                IngestFile.source,
                func.min(IngestFile.kind).label("kind"),
                func.count(distinct(IngestFile.path)).label("files"),
                func.coalesce(func.sum(IngestFile.rows_read), 0).label("rows_read"),
                func.coalesce(func.sum(IngestFile.accepted), 0).label("accepted"),
                func.coalesce(func.sum(IngestFile.duplicates), 0).label("duplicates"),
                func.coalesce(func.sum(IngestFile.quarantined), 0).label("quarantined"),
                func.max(func.coalesce(IngestFile.finished_at, IngestFile.started_at)).label(
                    "last_read"
                ),
                func.max(IngestFile.finished_at)
                .filter(IngestFile.status == "ok")
                .label("last_success"),
            ).group_by(IngestFile.source)
        )
    }
    failures: dict[str, tuple[dt.datetime | None, str | None]] = {}
    for source, started, finished, error in session.execute(
        select(
            IngestFile.source, IngestFile.started_at, IngestFile.finished_at, IngestFile.error
        ).where(IngestFile.status == "failed")
    ):
        at = _utc(finished or started)
        known = failures.get(source)
        if known is None or (at and known[0] and at > known[0]):
            failures[source] = (at, error)
    newest = _newest_days(session, tz)
    statuses: dict[str, SourceStatus] = {}
    if _has_table(session, SourceStatus):
        statuses = {s.source: s for s in session.scalars(select(SourceStatus))}
    now = _utc(now) or dt.datetime.now(dt.UTC)
    intervals = intervals or {}
    names = {name for name, _ in wanted}
    known = set(totals) | set(statuses)
    kinds = {s: st.kind for s, st in statuses.items()} | {s: t.kind for s, t in totals.items()}
    ledger_only = sorted((s, kinds[s]) for s in known if s not in names)
    rows = []
    for name, kind in [*wanted, *ledger_only]:
        total = totals.get(name)
        last_read = _utc(total.last_read) if total else None
        last_success = _utc(total.last_success) if total else None
        error_at, error = failures.get(name, (None, None))
        status = statuses.get(name)
        last_run = _utc(status.last_run_at) if status else None
        if status is not None:
            run_success = _utc(status.last_success_at)
            if run_success and (last_success is None or run_success > last_success):
                last_success = run_success
            status_error_at = _utc(status.last_error_at)
            if status_error_at and (error_at is None or status_error_at > error_at):
                error_at, error = status_error_at, status.last_error
        interval = intervals.get(name)
        run_limit = interval * RUN_GRACE if interval else RUN_LATE_AFTER
        run_age = (now - last_success).total_seconds() if last_success else None
        run_late = run_age is not None and run_age > run_limit
        newest_day = newest.get((kind, name))
        if kind == "roster" and last_success is not None:
            newest_day = last_success.astimezone(tz).date()
        age = (today - newest_day).days if newest_day else None
        late_after = LATE_AFTER_DAYS.get(kind)
        if total is None and status is None:
            state = "never"
        elif error_at is not None and (last_success is None or error_at > last_success):
            state = "error"
        elif run_late or (late_after is not None and (age is None or age > late_after)):
            state = "late"
        else:
            state = "ok"
        rows.append(
            {
                "source": name,
                "kind": kind,
                "configured": name in names,
                "state": state,
                "last_read": last_read,
                "last_run": last_run,
                "last_success": last_success,
                "run_age_seconds": round(run_age) if run_age is not None else None,
                "run_late_after_seconds": run_limit,
                "run_late": run_late,
                "last_error": error,
                "last_error_at": error_at,
                "newest_day": newest_day,
                "age_days": age,
                "late_after": late_after,
                "files": int(total.files) if total else 0,
                "rows_read": int(total.rows_read) if total else 0,
                "accepted": int(total.accepted) if total else 0,
                "duplicates": int(total.duplicates) if total else 0,
                "quarantined": int(total.quarantined) if total else 0,
            }
        )
    return rows


def last_collect(session: Session) -> dict[str, Any] | None:
    """The newest finished collect run (``started_at``, ``finished_at``, ``status``), or None.

    A run still going — or killed before it finished, which stays ``running`` — is not what the
    data is fresh as of: the pages' "fresh as of" line keeps the last finished run meanwhile.
    """
    run = session.scalars(
        select(IngestRun)
        .where(IngestRun.finished_at.is_not(None))
        .order_by(IngestRun.id.desc())
        .limit(1)
    ).first()
    if run is None:
        return None
    return {
        "started_at": _utc(run.started_at),
        "finished_at": _utc(run.finished_at),
        "status": run.status,
        "command": run.command,
    }


def file_ledger(
    session: Session, sources: Iterable[str] | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    """The files read (one row per ledger entry), newest first, with their counts and error."""
    query = select(IngestFile)
    if sources is not None:
        query = query.where(IngestFile.source.in_(list(sources)))
    query = query.order_by(IngestFile.started_at.desc(), IngestFile.id.desc()).limit(limit)
    return [
        {
            "source": f.source,
            "kind": f.kind,
            "path": f.path,
            "run_id": f.run_id,
            "status": f.status,
            "rows_read": f.rows_read,
            "accepted": f.accepted,
            "duplicates": f.duplicates,
            "quarantined": f.quarantined,
            "error": f.error,
            "finished_at": _utc(f.finished_at or f.started_at),
        }
        for f in session.scalars(query)
    ]


def _in_roster(column):
    """A condition: ``column`` names a roster person, directly or through an alias."""
    return or_(
        column.in_(select(Person.person_key)),
        column.in_(select(PersonAlias.alias_key)),
    )


def roster_coverage(
    session: Session, as_of: dt.date, tz: ZoneInfo | None = None
) -> list[dict[str, Any]]:
    """Per usage, error-log and ticket source, over the ``COVERAGE_DAYS`` days ending ``as_of``:
    ``records`` and ``identifiers`` with a user, and how many of them match no roster person
    (``records_outside``, ``identifiers_outside``). Records without a user are not counted."""
    tz = tz or ZoneInfo("UTC")
    start = as_of - dt.timedelta(days=COVERAGE_DAYS - 1)
    first = dt.datetime.combine(start, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    after = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    after = after.astimezone(dt.UTC)
    rows = []
    for kind, model, user, window in (
        (
            "usage",
            UsageEvent,
            UsageEvent.user_key,
            (UsageEvent.day >= start, UsageEvent.day <= as_of),
        ),
        (
            "errors",
            ErrorEvent,
            ErrorEvent.user_key,
            (ErrorEvent.day >= start, ErrorEvent.day <= as_of),
        ),
        (
            "tickets",
            Ticket,
            Ticket.reporter_key,
            (Ticket.created_at >= first, Ticket.created_at < after),
        ),
    ):
        inside = _in_roster(user)
        query = (
            select(
                model.source,
                func.count(),
                func.count().filter(~inside),
                func.count(distinct(user)),
                func.count(distinct(user)).filter(~inside),
            )
            .where(user.is_not(None), *window)
            .group_by(model.source)
        )
        for source, records, records_out, ids, ids_out in session.execute(query):
            rows.append(
                {
                    "source": source,
                    "kind": kind,
                    "records": int(records),
                    "records_outside": int(records_out),
                    "identifiers": int(ids),
                    "identifiers_outside": int(ids_out),
                }
            )
    return sorted(rows, key=lambda r: (r["kind"], r["source"]))


def alert_states(session: Session) -> list[dict[str, Any]]:
    """Every row of the alerts' state table (``rule``, ``scope``, ``state``, ``since_day``,
    ``value``, ``threshold``, ``last_as_of``); an empty list when there is none (or no table)."""
    if not _has_table(session, AlertState):
        return []
    return [
        {
            "rule": a.rule,
            "scope": a.scope,
            "state": a.state,
            "since_day": _as_date(a.since_day),
            "value": a.value,
            "threshold": a.threshold,
            "last_as_of": _as_date(a.last_as_of),
            "acknowledged": a.acknowledged_by is not None,
        }
        for a in session.scalars(select(AlertState).order_by(AlertState.rule, AlertState.scope))
    ]
