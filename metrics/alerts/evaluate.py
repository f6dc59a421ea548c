"""Evaluating the alert rules for an as-of day, recording transitions, sending notifications.

A run (``run_alerts``) has three stages:

1. **Findings**, read-only: each rule on each shown scope it names, through the KPI API
   (``metrics.compute``: ``snapshot`` for today's values and volume guards, ``series`` for
   changes, anomalies and forecasts). Suppressed scopes never appear there, so no rule can
   reveal them.
2. **Transitions**, in one transaction under a lock (a PostgreSQL advisory lock; on SQLite the
   run's first statement is a write, which takes the database's write lock): the state machine
   (``state.step``) moves each alert, every transition goes to ``alert_history`` with its value,
   time and as-of day. Two runs at once are serialized, and a run for an as-of day already
   evaluated finds nothing to change: evaluation is idempotent.
3. **Notifications**, in a second locked transaction: for each channel, the alerts evaluated on
   this as-of day whose channel has not been told yet (or whose repeat interval has passed) go
   into one message. A channel that fails is reported and gets no delivery record, so the next
   run sends it again; the transitions stay recorded whatever happens to the messages.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from metrics import compute
from metrics.alerts import notify
from metrics.alerts.rules import AlertsConfig, Rule, is_pattern
from metrics.alerts.state import FIRING, NORMAL, PENDING, RESOLVED, Check, Status, step
from metrics.kpis import KPIS, meets_target, target_for
from metrics.reconcile_store import differences, drifted, result_dict
from metrics.scopes import Scope, publishable_population
from metrics.store import Store
from metrics.store.models import (
    AlertDelivery,
    AlertHistory,
    AlertRun,
    AlertState,
    ReconcileResult,
)

LOCK_KEY = 7281950  # pg_advisory_xact_lock key of alert runs (migrations use 7281946)
FORECAST_FIT_DAYS = 28  # the interim forecast fits the last four weeks


class AlertError(Exception):
    """A user mistake on ack or silence (an unknown rule, nothing to acknowledge)."""


# ----------------------------------------------------------------- the detector and the forecast


def detect_anomalies(series: list[tuple[dt.date, float | None]], sensitivity: float) -> list[Any]:
    """The anomaly detector on one scope's daily series: ``metrics.anomalies.detect``.

    Each result has ``day``, ``value``, ``expected`` and ``score``. Kept behind this one function
    so that the rest of the alerts does not depend on the detector's module. A rule only needs
    the last day judged: when the detector takes ``min_history``, every valid day before the
    last is made the history, so the last day alone is judged, on all of them (one fit instead
    of one per day).
    """
    from metrics.anomalies import detect

    parameters = inspect.signature(detect).parameters
    if "min_history" in parameters:
        before = sum(1 for _, v in series[:-1] if v is not None)
        least = parameters["min_history"].default
        if isinstance(least, int) and before >= least:
            return detect(series, sensitivity, min_history=before)
    return detect(series, sensitivity)


@dataclass(frozen=True)
class InterimForecast:
    reached_on: dt.date | None
    model: str


def fit_forecast(series: list[tuple[dt.date, float | None]], target: float) -> Any:
    """When ``target`` will be reached at this pace: ``metrics.forecast.fit`` once it exists.

    Until then, a straight line fitted by least squares on the last four weeks with values
    (``reached_on`` None when the line does not head for the target within two years).
    """
    try:
        from metrics.forecast import fit  # type: ignore[import-not-found]
    except ImportError:
        return _linear_forecast(series, target)
    return fit(series, target)


def _linear_forecast(series: list[tuple[dt.date, float | None]], target: float) -> InterimForecast:
    points = [(d, float(v)) for d, v in series if v is not None and math.isfinite(v)]
    points = points[-FORECAST_FIT_DAYS:]
    model = "linear (interim)"
    if len(points) < 2:
        return InterimForecast(None, model)
    origin = points[-1][0]
    xs = [(d - origin).days for d, _ in points]
    ys = [v for _, v in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    level = my - slope * mx  # the fitted value on the last day
    if (target - level) * slope <= 0:
        return InterimForecast(origin if math.isclose(level, target) else None, model)
    days = math.ceil((target - level) / slope - 1e-9)
    if days > 730:
        return InterimForecast(None, model)
    return InterimForecast(origin + dt.timedelta(days=days), model)


# -------------------------------------------------------------------------------------- findings


@dataclass
class Finding:
    """A rule on a scope for the as-of day: the value, the line it is compared with, the check."""

    rule: Rule
    scope: str
    check: Check
    value: float | None = None
    threshold: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    note: str | None = None  # why the rule was not judged


def compare(value: float, comparison: str, line: float) -> bool:
    return {
        "<": value < line,
        "<=": value <= line,
        ">": value > line,
        ">=": value >= line,
    }[comparison]


def _recovered(value: float, rule: Rule) -> bool | None:
    if rule.recovery is None or rule.comparison is None:
        return None
    return value >= rule.recovery if rule.comparison.startswith("<") else value <= rule.recovery


def _line_check(rule: Rule, value: float) -> Check:
    assert rule.comparison is not None and rule.value is not None
    return Check(compare(value, rule.comparison, rule.value), _recovered(value, rule))


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _volume_note(rule: Rule, values: dict[str, Any]) -> str | None:
    for code, minimum in rule.min_volume:
        found = _number(values.get(code))
        if found is None or found < minimum:
            shown = "no value" if found is None else f"{found:g}"
            return f"below min_volume: {code} {shown} < {minimum:g}"
    return None


def _history_start(rule: Rule, as_of: dt.date) -> dt.date | None:
    if rule.kind == "change":
        return as_of - dt.timedelta(days=rule.window)
    if rule.kind == "anomaly":  # the history before the as-of day, and the day
        return as_of - dt.timedelta(days=rule.history)
    if rule.kind == "forecast_slip":
        return as_of - dt.timedelta(days=rule.history - 1)
    return None


def find(
    session: Session,
    settings: compute.Settings,
    rules: list[Rule] | tuple[Rule, ...],
    as_of: dt.date,
    now: dt.datetime | None = None,
) -> tuple[list[Finding], list[dict[str, str]]]:
    """Every rule on every shown scope it names; returns the findings and the scopes skipped."""
    audit_rules = [rule for rule in rules if rule.kind == "reconcile"]
    rules = [rule for rule in rules if rule.kind != "reconcile"]
    audit_findings, audit_skipped = find_reconcile(session, audit_rules, as_of, now)
    if not rules:
        return audit_findings, audit_skipped
    population = publishable_population(session, settings.min_group_size)
    snap = compute.snapshot(session, settings, as_of, population)
    shown = {str(scope): values for scope, values in snap.items()}
    objects = {str(scope): scope for scope in snap}
    skipped: list[dict[str, str]] = []
    targets: dict[str, list[str]] = {}
    for rule in rules:
        scopes = [s for s in _ordered(shown) if rule.matches(s)]
        for pattern in rule.scopes:
            if not is_pattern(pattern) and pattern not in shown:
                skipped.append(
                    {
                        "rule": rule.name,
                        "scope": pattern,
                        "reason": "not shown on this day (suppressed, or no such team or wave)",
                    }
                )
        targets[rule.name] = scopes
    # One series per KPI over the longest history any rule needs.
    wanted: dict[str, tuple[dt.date, set[str]]] = {}
    for rule in rules:
        start = _history_start(rule, as_of)
        if start is None or not targets[rule.name]:
            continue
        earliest, scopes = wanted.get(rule.kpi, (start, set()))
        wanted[rule.kpi] = (min(earliest, start), scopes | set(targets[rule.name]))
    series: dict[str, dict[str, list[tuple[dt.date, Any]]]] = {}
    for kpi, (start, scopes) in wanted.items():
        found = compute.series(
            session, settings, kpi, [objects[s] for s in sorted(scopes)], start, as_of, population
        )
        series[kpi] = {str(scope): points for scope, points in found.items()}

    findings: list[Finding] = []
    for rule in rules:
        for scope in targets[rule.name]:
            values = shown[scope]
            note = _volume_note(rule, values)
            if note is not None:
                finding = Finding(rule, scope, Check(None), note=note)
            elif rule.kind == "threshold":
                finding = _threshold(rule, scope, _number(values.get(rule.kpi)))
            else:
                points = [
                    (d, _number(v))
                    for d, v in series.get(rule.kpi, {}).get(scope, [])
                    if d <= as_of and d >= (_history_start(rule, as_of) or as_of)
                ]
                if rule.kind == "change":
                    finding = _change(rule, scope, points, as_of)
                elif rule.kind == "anomaly":
                    finding = _anomaly(rule, scope, points, as_of)
                else:
                    finding = _forecast(rule, scope, points, as_of, settings)
            if finding.note is not None:
                skipped.append({"rule": rule.name, "scope": scope, "reason": finding.note})
            findings.append(finding)
    return audit_findings + findings, audit_skipped + skipped


def find_reconcile(
    session: Session, rules: list[Rule], as_of: dt.date, now: dt.datetime | None = None
) -> tuple[list[Finding], list[dict[str, str]]]:
    """Reconcile rules on the consistency audit's latest results.

    The results read are those finished before ``now`` and before the end of the day after
    ``as_of`` (UTC): the nightly ``collect, reconcile, alerts`` evaluates yesterday with this
    morning's audit, and replaying an old as-of day does not read much later audits.

    Each audited entity a rule watches is a scope ``entity:<name>``; its value is the number of
    differences of its latest result (keys missing in new, extra in new, changed, duplicated).
    ``trigger: fail`` fires while the latest result fails (or could not run); ``trigger: drift``
    fires when it fails and either the initial audit (the entity's first result) passed or the
    differences grew since then, so that discrepancies known and accepted at the initial audit
    do not fire for ever while a new drift does.
    """
    if not rules:
        return [], []
    end = dt.datetime.combine(as_of + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    end = min(end, now or dt.datetime.now(dt.UTC))
    rows = session.scalars(
        select(ReconcileResult)
        .where(ReconcileResult.finished_at < _naive_utc(session, end))
        .order_by(ReconcileResult.id)
    ).all()
    first: dict[str, ReconcileResult] = {}
    latest: dict[str, ReconcileResult] = {}
    for row in rows:
        first.setdefault(row.entity, row)
        latest[row.entity] = row
    findings: list[Finding] = []
    skipped: list[dict[str, str]] = []
    for rule in rules:
        for pattern in rule.entities:
            if not is_pattern(pattern) and pattern not in latest:
                skipped.append(
                    {
                        "rule": rule.name,
                        "scope": f"entity:{pattern}",
                        "reason": "no audit result for this entity by this day",
                    }
                )
        for entity in sorted(e for e in latest if rule.watches_entity(e)):
            finding = _audit_finding(rule, latest[entity], first[entity])
            if finding.note is not None:
                skipped.append({"rule": rule.name, "scope": finding.scope, "reason": finding.note})
            findings.append(finding)
    return findings, skipped


def _audit_finding(rule: Rule, row: ReconcileResult, initial_row: ReconcileResult) -> Finding:
    latest, initial = result_dict(row), result_dict(initial_row)
    scope = f"entity:{row.entity}"
    value, baseline = differences(latest), differences(initial)
    dups = latest["duplicate_keys"]
    detail: dict[str, Any] = {
        "status": row.status,
        "trigger": rule.trigger,
        "missing_in_new": row.missing_in_new,
        "extra_in_new": row.extra_in_new,
        "changed": row.changed,
        "duplicates": (dups["legacy"] or 0) + (dups["new"] or 0),
        "initial_status": initial["status"],
        "initial_differences": baseline,
        "run_id": row.run_id,
    }
    if row.status == "error":
        if rule.trigger == "fail":
            detail["message"] = row.message
            return Finding(rule, scope, Check(True), float(value), float(baseline), detail)
        note = f"the audit could not run: {row.message or 'error'}"
        return Finding(rule, scope, Check(None), None, float(baseline), detail, note)
    fired = drifted(latest, initial) if rule.trigger == "drift" else row.status != "pass"
    return Finding(rule, scope, Check(fired), float(value), float(baseline), detail)


def _naive_utc(session: Session, moment: dt.datetime) -> dt.datetime:
    """``moment`` as the store compares it (SQLite keeps naive UTC)."""
    if session.get_bind().dialect.name == "sqlite":
        return moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


_KIND_ORDER = {"all": 0, "team": 1, "wave": 2}


def _ordered(shown: dict[str, Any]) -> list[str]:
    return sorted(shown, key=lambda s: (_KIND_ORDER.get(s.partition(":")[0], 3), s))


def _threshold(rule: Rule, scope: str, value: float | None) -> Finding:
    detail: dict[str, Any] = {"recovery": rule.recovery}
    if value is None:
        return Finding(rule, scope, Check(None), None, rule.value, detail, "no data on this day")
    return Finding(rule, scope, _line_check(rule, value), value, rule.value, detail)


def _change(rule: Rule, scope: str, points: list, as_of: dt.date) -> Finding:
    by_day = dict(points)
    before = as_of - dt.timedelta(days=rule.window)
    current, previous = by_day.get(as_of), by_day.get(before)
    detail: dict[str, Any] = {
        "window": rule.window,
        "measure": rule.measure,
        "current": current,
        "previous": previous,
        "change": None,
        "recovery": rule.recovery,
    }
    if current is None or previous is None:
        note = f"no data on {as_of.isoformat() if current is None else before.isoformat()}"
        return Finding(rule, scope, Check(None), current, rule.value, detail, note)
    if rule.measure == "relative":
        if previous == 0:
            note = f"the value on {before.isoformat()} is 0: no relative change"
            return Finding(rule, scope, Check(None), current, rule.value, detail, note)
        change = (current - previous) / abs(previous)
    else:
        change = current - previous
    detail["change"] = change
    return Finding(rule, scope, _line_check(rule, change), current, rule.value, detail)


def _watched(rule: Rule, high: bool) -> bool:
    if rule.direction == "both":
        return True
    if rule.direction == "bad":
        return high == (KPIS[rule.kpi].direction == "down")
    return high == (rule.direction == "high")


def _anomaly(rule: Rule, scope: str, points: list, as_of: dt.date) -> Finding:
    today = dict(points).get(as_of)
    detail: dict[str, Any] = {"sensitivity": rule.sensitivity}
    if today is None:
        return Finding(rule, scope, Check(None), None, None, detail, "no data on this day")
    try:
        found = detect_anomalies(points, rule.sensitivity)
    except ImportError:
        note = "the anomaly detector (metrics.anomalies) is not available"
        return Finding(rule, scope, Check(None), today, None, detail, note)
    except (ValueError, ArithmeticError) as exc:  # one scope's series must not stop the run
        note = f"the anomaly detector could not judge this series ({exc})"
        return Finding(rule, scope, Check(None), today, None, detail, note)
    hit = next((a for a in found if a.day == as_of), None)
    if hit is None:
        return Finding(rule, scope, Check(False), today, None, detail)
    high = float(hit.value) > float(hit.expected)
    detail.update(
        expected=float(hit.expected), score=float(hit.score), direction="high" if high else "low"
    )
    if not _watched(rule, high):  # an anomaly in the direction this rule does not watch
        return Finding(rule, scope, Check(False), today, None, {"sensitivity": rule.sensitivity})
    return Finding(rule, scope, Check(True), today, float(hit.expected), detail)


def _forecast(
    rule: Rule, scope: str, points: list, as_of: dt.date, settings: compute.Settings
) -> Finding:
    planned = rule.planned_for(scope)
    target = rule.target if rule.target is not None else target_for(rule.kpi, settings.targets)
    detail: dict[str, Any] = {
        "planned": planned.isoformat() if planned else None,
        "tolerance_days": rule.tolerance_days,
        "reached_on": None,
        "days_late": None,
        "reached": False,
    }
    if planned is None:
        return Finding(rule, scope, Check(None), None, target, detail, "no planned date for it")
    if target is None:
        note = f"no target for {rule.kpi}: set targets.{rule.kpi} or the rule's target"
        return Finding(rule, scope, Check(None), None, None, detail, note)
    valid = [(d, v) for d, v in points if v is not None]
    if not valid:
        return Finding(rule, scope, Check(None), None, target, detail, "no data")
    current = valid[-1][1]
    if meets_target(rule.kpi, current, target):
        detail["reached"] = True
        return Finding(rule, scope, Check(False), current, target, detail)
    try:
        forecast = fit_forecast(points, target)
    except (ValueError, ArithmeticError) as exc:  # one scope's series must not stop the run
        note = f"the forecast could not fit this series ({exc})"
        return Finding(rule, scope, Check(None), current, target, detail, note)
    reached_on = getattr(forecast, "reached_on", None)
    detail["model"] = getattr(forecast, "model", None)
    if reached_on is None:
        return Finding(rule, scope, Check(True), current, target, detail)
    days_late = (reached_on - planned).days
    detail.update(reached_on=reached_on.isoformat(), days_late=days_late)
    return Finding(rule, scope, Check(days_late > rule.tolerance_days), current, target, detail)


# ----------------------------------------------------------------------------------- recording


def _lock(session: Session) -> None:
    """Serialize alert runs: a PostgreSQL advisory lock held to the commit.

    On SQLite the caller's first statement is a write, which takes the database's write lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))


def _utc_date(value: dt.datetime | None) -> dt.date | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.date()


def _silenced(row: AlertState, as_of: dt.date) -> bool:
    until = _utc_date(row.silenced_until)
    return until is not None and as_of <= until


@dataclass
class RunResult:
    as_of: dt.date
    run_id: int | None = None
    transitions: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    stale: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "alerts": self.alerts,
            "transitions": self.transitions,
            "notifications": self.notifications,
            "skipped": self.skipped,
            "stale": self.stale,
        }


def record(
    store: Store, findings: list[Finding], as_of: dt.date, now: dt.datetime
) -> tuple[int, list[dict[str, Any]], list[dict[str, str]]]:
    """Apply the findings to the stored states in one locked transaction.

    Returns the run's id, its transitions and the alerts left alone because a later as-of day
    was already evaluated (stale).
    """
    transitions: list[dict[str, Any]] = []
    stale: list[dict[str, str]] = []
    with store.session() as session:
        _lock(session)
        run = AlertRun(as_of=as_of, started_at=now, status="running", transitions=0)
        session.add(run)
        session.flush()  # the first write: SQLite's write lock from here to the commit
        names = sorted({f.rule.name for f in findings})
        states = {
            (row.rule, row.scope): row
            for row in session.scalars(select(AlertState).where(AlertState.rule.in_(names)))
        }
        for finding in findings:
            key = (finding.rule.name, finding.scope)
            row = states.get(key)
            if row is None:
                row = AlertState(rule=key[0], scope=key[1], state=NORMAL, since=now)
                session.add(row)
                states[key] = row
            status = Status(row.state or NORMAL, row.since_day, row.last_as_of)
            result = step(status, finding.check, as_of, finding.rule.pending)
            if result.stale:
                stale.append({"rule": key[0], "scope": key[1], "last_as_of": str(row.last_as_of)})
                continue
            row.last_as_of = as_of
            if finding.check.breach is not None:
                row.value = finding.value
                row.threshold = finding.threshold
                row.detail = json.dumps(finding.detail, ensure_ascii=False, default=str)
            if result.transition is None:
                continue
            before, after = result.transition
            row.state, row.since, row.since_day = after, now, as_of
            if after in (NORMAL, RESOLVED):
                row.acknowledged_by = row.acknowledged_at = row.ack_comment = None
            session.add(
                AlertHistory(
                    rule=key[0],
                    scope=key[1],
                    from_state=before,
                    to_state=after,
                    value=finding.value,
                    at=now,
                    as_of=as_of,
                )
            )
            transitions.append(
                {
                    "rule": key[0],
                    "scope": key[1],
                    "kpi": finding.rule.kpi,
                    "from": before,
                    "to": after,
                    "value": finding.value,
                    "as_of": as_of.isoformat(),
                    "at": now.isoformat(timespec="seconds"),
                }
            )
        run.transitions = len(transitions)
        run.status = "ok"
        run.finished_at = now
        return run.id, transitions, stale


def _change_of(row: AlertState, rule: Rule, kind: str) -> notify.Change:
    detail = json.loads(row.detail) if row.detail else {}
    return notify.Change(
        rule=rule.name,
        scope=row.scope,
        kind=kind,
        rule_kind=rule.kind,
        kpi=rule.kpi,
        severity=rule.severity,
        value=row.value,
        threshold=row.threshold,
        comparison=rule.comparison,
        since=row.since_day,
        detail=detail,
        labels=rule.labels,
        description=rule.description,
        acknowledged_by=row.acknowledged_by,
    )


def due_changes(
    session: Session, alerts: AlertsConfig, as_of: dt.date
) -> dict[str, list[notify.Change]]:
    """Per channel, the changes to announce for the alerts evaluated on ``as_of``."""
    names = [r.name for r in alerts.rules]
    rows = session.scalars(
        select(AlertState).where(AlertState.rule.in_(names), AlertState.last_as_of == as_of)
    ).all()
    deliveries = {
        (d.rule, d.scope, d.channel): d
        for d in session.scalars(select(AlertDelivery).where(AlertDelivery.rule.in_(names)))
    }
    due: dict[str, list[notify.Change]] = {}
    for row in sorted(rows, key=lambda r: (r.rule, r.scope)):
        rule = alerts.rule(row.rule)
        if rule is None or _silenced(row, as_of):
            continue
        for channel in alerts.channels_of(rule):
            told = deliveries.get((row.rule, row.scope, channel.name))
            if row.state == FIRING:
                if told is None or told.state != FIRING:
                    kind = notify.FIRING_NEW
                elif (
                    rule.repeat
                    and not row.acknowledged_by
                    and (as_of - told.as_of).days >= rule.repeat
                ):
                    kind = notify.REMINDER
                else:
                    continue
            elif told is not None and told.state == FIRING:
                kind = notify.RESOLVED
            else:
                continue
            due.setdefault(channel.name, []).append(_change_of(row, rule, kind))
    return due


def deliver(
    store: Store,
    alerts: AlertsConfig,
    run_id: int,
    as_of: dt.date,
    now: dt.datetime,
    locale: str,
    secret: Callable[[str], str | None],
) -> list[dict[str, Any]]:
    """Send one message per channel with the changes due; record what each channel was told."""
    results: list[dict[str, Any]] = []
    with store.session() as session:
        _lock(session)
        session.execute(  # the first write: SQLite's write lock while messages go out
            update(AlertRun).where(AlertRun.id == run_id).values(status="notifying")
        )
        due = due_changes(session, alerts, as_of)
        for channel in alerts.channels:
            changes = due.get(channel.name)
            if not changes:
                continue
            message = notify.build_message(changes, locale, as_of, alerts.dashboard_url)
            error = notify.send(channel, message, secret)
            results.append(
                {
                    "channel": channel.name,
                    "status": "failed" if error else "sent",
                    "alerts": len(changes),
                    "error": error,
                }
            )
            if error:
                continue
            for change in changes:
                told = session.get(AlertDelivery, (change.rule, change.scope, channel.name))
                state = RESOLVED if change.kind == notify.RESOLVED else FIRING
                if told is None:
                    session.add(
                        AlertDelivery(
                            rule=change.rule,
                            scope=change.scope,
                            channel=channel.name,
                            state=state,
                            as_of=as_of,
                            sent_at=now,
                        )
                    )
                else:
                    told.state, told.as_of, told.sent_at = state, as_of, now
                row = session.get(AlertState, (change.rule, change.scope))
                if row is not None:
                    row.last_notified_at = now
        failed = any(r["status"] == "failed" for r in results)
        session.execute(
            update(AlertRun)
            .where(AlertRun.id == run_id)
            .values(
                status="notify-failed" if failed else "ok",
                finished_at=dt.datetime.now(dt.UTC),
                notes=json.dumps({"notifications": results}, ensure_ascii=False),
            )
        )
    return results


# ------------------------------------------------------------------------------------- reading


def _row_json(row: AlertState, rule: Rule) -> dict[str, Any]:
    return {
        "rule": rule.name,
        "kind": rule.kind,
        "scope": row.scope,
        "kpi": rule.kpi,
        "state": row.state,
        "value": row.value,
        "threshold": row.threshold,
        "comparison": rule.comparison,
        "since": row.since_day.isoformat() if row.since_day else None,
        "severity": rule.severity,
        "labels": rule.label_dict(),
        "acknowledged_by": row.acknowledged_by,
        "acknowledged_at": row.acknowledged_at.isoformat(timespec="seconds")
        if row.acknowledged_at
        else None,
        "ack_comment": row.ack_comment,
        "silenced_until": (d.isoformat() if (d := _utc_date(row.silenced_until)) else None),
        "last_as_of": row.last_as_of.isoformat() if row.last_as_of else None,
        "detail": json.loads(row.detail) if row.detail else {},
    }


def active_alerts(store: Store, alerts: AlertsConfig) -> list[dict[str, Any]]:
    """The firing and pending alerts of the configured rules, firing and most severe first."""
    names = [r.name for r in alerts.rules]
    with store.session() as session:
        rows = session.scalars(
            select(AlertState).where(
                AlertState.rule.in_(names), AlertState.state.in_((FIRING, PENDING))
            )
        ).all()
        out = []
        for row in rows:
            rule = alerts.rule(row.rule)
            if rule is not None:
                out.append(_row_json(row, rule))
    severity = {"critical": 0, "warning": 1, "info": 2}
    return sorted(
        out,
        key=lambda a: (a["state"] != FIRING, severity[a["severity"]], a["rule"], a["scope"]),
    )


def run_alerts(
    store: Store,
    config: Any,
    as_of: dt.date,
    *,
    send: bool = True,
    now: dt.datetime | None = None,
) -> RunResult:
    """Evaluate every rule of ``config.sections["alerts"]`` for ``as_of``, record, notify."""
    alerts: AlertsConfig = config.sections.get("alerts") or AlertsConfig()
    now = now or dt.datetime.now(dt.UTC)
    result = RunResult(as_of)
    if not alerts.rules:
        return result
    settings = compute.Settings.from_config(config)
    with store.session() as session:
        findings, result.skipped = find(session, settings, alerts.rules, as_of, now)
    result.run_id, result.transitions, result.stale = record(store, findings, as_of, now)
    if send and alerts.channels:
        result.notifications = deliver(
            store, alerts, result.run_id, as_of, now, config.locale, config.secret
        )
    result.alerts = active_alerts(store, alerts)
    return result


# ------------------------------------------------------------------------ acknowledge, silence


def _known(alerts: AlertsConfig, rule: str, scope: str) -> None:
    if alerts.rule(rule) is None:
        names = ", ".join(r.name for r in alerts.rules) or "none"
        raise AlertError(f"{rule!r} is not an alert rule of this config (rules: {names})")
    if scope.startswith("entity:") and alerts.rule(rule).kind == "reconcile":  # type: ignore[union-attr]
        return
    try:
        Scope.parse(scope)
    except ValueError as exc:
        raise AlertError(str(exc)) from exc


def acknowledge(
    store: Store,
    alerts: AlertsConfig,
    rule: str,
    scope: str,
    by: str,
    comment: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Mark a firing or pending alert as taken care of (no reminders until it resolves)."""
    _known(alerts, rule, scope)
    if not by.strip():
        raise AlertError("--by: expected who acknowledges, found nothing")
    now = now or dt.datetime.now(dt.UTC)
    with store.session() as session:
        _lock(session)
        # One conditional write (on SQLite, the write lock at once): only an active alert.
        done = session.execute(
            update(AlertState)
            .where(
                AlertState.rule == rule,
                AlertState.scope == scope,
                AlertState.state.in_((FIRING, PENDING)),
            )
            .values(
                acknowledged_by=by.strip(),
                acknowledged_at=now,
                ack_comment=comment.strip() if comment and comment.strip() else None,
            )
            .execution_options(synchronize_session=False)
        )
        row = session.get(AlertState, (rule, scope), populate_existing=True)
        if not done.rowcount or row is None:
            state = row.state if row is not None else NORMAL
            raise AlertError(
                f"nothing to acknowledge: {rule} on {scope} is {state} (only a firing or "
                "pending alert can be acknowledged)"
            )
        return _row_json(row, alerts.rule(rule))  # type: ignore[arg-type]


def silence(
    store: Store,
    alerts: AlertsConfig,
    rule: str,
    scope: str,
    until: dt.date,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Send no notification for this alert through ``until`` (inclusive); its state still moves.

    An alert never evaluated yet can be silenced ahead; a past date lifts the silence.
    """
    _known(alerts, rule, scope)
    now = now or dt.datetime.now(dt.UTC)
    until_at = dt.datetime.combine(until, dt.time(), tzinfo=dt.UTC)
    with store.session() as session:
        _lock(session)
        done = session.execute(  # the first statement writes: SQLite's write lock at once
            update(AlertState)
            .where(AlertState.rule == rule, AlertState.scope == scope)
            .values(silenced_until=until_at)
            .execution_options(synchronize_session=False)
        )
        if not done.rowcount:
            session.add(
                AlertState(rule=rule, scope=scope, state=NORMAL, since=now, silenced_until=until_at)
            )
            session.flush()
        row = session.get(AlertState, (rule, scope), populate_existing=True)
        assert row is not None
        return _row_json(row, alerts.rule(rule))  # type: ignore[arg-type]


def transitions(
    store: Store, *, rule: str | None = None, scope: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The recorded transitions, latest first (``hypercare alerts history``)."""
    query = select(AlertHistory).order_by(AlertHistory.at.desc(), AlertHistory.id.desc())
    if rule:
        query = query.where(AlertHistory.rule == rule)
    if scope:
        query = query.where(AlertHistory.scope == scope)
    with store.session() as session:
        return [
            {
                "rule": h.rule,
                "scope": h.scope,
                "from": h.from_state,
                "to": h.to_state,
                "value": h.value,
                "as_of": h.as_of.isoformat() if h.as_of else None,
                "at": h.at.isoformat(timespec="seconds"),
            }
            for h in session.scalars(query.limit(max(limit, 1)))
        ]
