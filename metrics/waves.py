"""Go / no-go for each rollout wave, and the hypercare exit checklist.

Each criterion compares a KPI of a scope (by default the wave itself; ``all`` for the exit) with a
threshold, once enough days have passed since go-live; it is Pass, Fail or Inconclusive (too early,
no data, or the scope is hidden by the privacy rule). A wave's verdict on opening the next wave is
GO when every criterion passes, NO-GO when one fails, WAIT otherwise.

Config (``waves:`` and ``exit:`` sections)::

    waves:
      criteria:                       # for every wave
        - {kpi: adoption_rate, threshold: 0.8, min_days: 30}  # comparison: the KPI's direction
        - {kpi: error_rate, comparison: "<=", threshold: 0.05, min_days: 14}
      per_wave:                       # replaces the criteria of one wave
        pilote: [{kpi: activation_rate, threshold: 0.95, min_days: 14}]
    exit:
      criteria:
        - {kpi: adoption_rate, scope: all, threshold: 0.85, min_days: 60}

A threshold left out is the KPI's target (``targets:`` or the registry default).
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from metrics.kpis import KPIS, target_for
from metrics.scopes import ALL, Scope
from metrics.store.models import Person

if TYPE_CHECKING:
    from hypercare.config import Checker

COMPARISONS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
CRITERION_KEYS = ("kpi", "scope", "comparison", "threshold", "min_days")


@dataclass(frozen=True)
class Criterion:
    kpi: str
    comparison: str | None = None  # None: from the KPI's direction
    threshold: float | None = None  # None: the KPI's target
    min_days: int = 0
    scope: str | None = None  # None: the wave itself (waves) or all (exit)


@dataclass(frozen=True)
class WavesConfig:
    criteria: tuple[Criterion, ...] = ()
    per_wave: dict[str, tuple[Criterion, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ExitConfig:
    criteria: tuple[Criterion, ...] = ()


def _criteria(chk: Checker, value: Any, key: str) -> tuple[Criterion, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        chk.fail(key, "a list of criteria such as {kpi: adoption_rate, threshold: 0.8}", value)
        return ()
    out = []
    for index, item in enumerate(value):
        where = f"{key}[{index}]"
        item = chk.mapping(item, where)
        chk.unknown_keys(item, CRITERION_KEYS, where)
        kpi = chk.string(item.get("kpi"), f"{where}.kpi")
        if kpi not in KPIS:
            chk.fail(f"{where}.kpi", "a KPI code of docs/kpis.md", kpi)
            continue
        comparison = chk.string(item.get("comparison"), f"{where}.comparison")
        if comparison is not None and comparison not in COMPARISONS:
            chk.fail(f"{where}.comparison", "one of >=, >, <=, <", comparison)
            continue
        scope = chk.string(item.get("scope"), f"{where}.scope")
        if scope is not None:
            try:
                Scope.parse(scope)
            except ValueError:
                chk.fail(f"{where}.scope", "all, team:<name> or wave:<name>", scope)
                continue
        out.append(
            Criterion(
                kpi=kpi,
                comparison=comparison,
                threshold=chk.number(item.get("threshold"), f"{where}.threshold"),
                min_days=chk.integer(item.get("min_days"), f"{where}.min_days", 0),
                scope=scope,
            )
        )
    return tuple(out)


def parse_section(chk: Checker, value: Any, key: str) -> WavesConfig | ExitConfig:
    """Parse ``waves:`` or ``exit:`` (see the module docstring)."""
    raw = chk.mapping(value, key)
    if key == "exit":
        chk.unknown_keys(raw, ("criteria",), key)
        return ExitConfig(_criteria(chk, raw.get("criteria"), f"{key}.criteria"))
    chk.unknown_keys(raw, ("criteria", "per_wave"), key)
    per_wave_raw = chk.mapping(raw.get("per_wave"), f"{key}.per_wave")
    return WavesConfig(
        criteria=_criteria(chk, raw.get("criteria"), f"{key}.criteria"),
        per_wave={
            str(name): _criteria(chk, items, f"{key}.per_wave.{name}")
            for name, items in per_wave_raw.items()
        },
    )


def wave_go_lives(session: Session) -> dict[str, dt.date | None]:
    """Each wave's go-live: the earliest go-live date of its people, in go-live order."""
    rows = session.execute(
        select(Person.wave, func.min(Person.go_live))
        .where(Person.wave.is_not(None))
        .group_by(Person.wave)
    ).all()
    ordered = sorted(rows, key=lambda r: (r[1] is None, r[1] or dt.date.max, r[0]))
    return {wave: _as_date(day) for wave, day in ordered}


def evaluate_criterion(
    criterion: Criterion,
    scope: Scope,
    values: dict[Scope, dict[str, Any]],
    days_since: int | None,
    targets: dict[str, float],
    hidden: set[Scope],
) -> dict[str, Any]:
    """One criterion's status (pass, fail, inconclusive) with its value and a reason."""
    definition = KPIS[criterion.kpi]
    threshold = criterion.threshold
    if threshold is None:
        threshold = target_for(criterion.kpi, targets)
    comparison = criterion.comparison or (">=" if definition.direction == "up" else "<=")
    result: dict[str, Any] = {
        "kpi": criterion.kpi,
        "scope": str(scope),
        "comparison": comparison,
        "threshold": threshold,
        "min_days": criterion.min_days,
        "value": None,
    }
    if threshold is None:
        return {**result, "status": "inconclusive", "reason": "no threshold and no target"}
    if days_since is None or days_since < criterion.min_days:
        shown = "not live yet" if days_since is None or days_since < 0 else f"J+{days_since}"
        return {
            **result,
            "status": "inconclusive",
            "reason": f"{shown}: judged from J+{criterion.min_days}",
        }
    if scope in hidden or scope not in values:
        return {**result, "status": "inconclusive", "reason": "hidden (too few people)"}
    value = values[scope].get(criterion.kpi)
    result["value"] = value
    if value is None:
        return {**result, "status": "inconclusive", "reason": "no data"}
    passed = COMPARISONS[comparison](value, threshold)
    return {
        **result,
        "status": "pass" if passed else "fail",
        "reason": f"{value:g} {comparison if passed else _negated(comparison)} {threshold:g}",
    }


def _negated(comparison: str) -> str:
    return {">=": "<", ">": "<=", "<=": ">", "<": ">="}[comparison]


def verdict(statuses: list[str]) -> str:
    """GO when every criterion passes, NO-GO when one fails, WAIT otherwise (or none given)."""
    if statuses and all(s == "pass" for s in statuses):
        return "GO"
    if "fail" in statuses:
        return "NO-GO"
    return "WAIT"


def evaluate_waves(
    session: Session,
    values: dict[Scope, dict[str, Any]],
    as_of: dt.date,
    waves_config: WavesConfig,
    targets: dict[str, float],
    hidden: set[Scope],
) -> list[dict[str, Any]]:
    """Each wave's go / no-go on opening the next one, in go-live order."""
    out = []
    for wave, go_live in wave_go_lives(session).items():
        days_since = (as_of - go_live).days if go_live else None
        criteria = waves_config.per_wave.get(wave, waves_config.criteria)
        results = [
            evaluate_criterion(
                c,
                Scope.parse(c.scope) if c.scope else Scope("wave", wave),
                values,
                days_since,
                targets,
                hidden,
            )
            for c in criteria
        ]
        out.append(
            {
                "wave": wave,
                "go_live": go_live.isoformat() if go_live else None,
                "days_since_go_live": days_since,
                "verdict": verdict([r["status"] for r in results]),
                "criteria": results,
            }
        )
    return out


def evaluate_exit(
    session: Session,
    values: dict[Scope, dict[str, Any]],
    as_of: dt.date,
    exit_config: ExitConfig,
    targets: dict[str, float],
    hidden: set[Scope],
) -> dict[str, Any]:
    """The hypercare exit checklist; ``min_days`` count from the last wave's go-live."""
    go_lives = [d for d in wave_go_lives(session).values() if d is not None]
    last = max(go_lives) if go_lives else None
    days_since = (as_of - last).days if last else None
    results = [
        evaluate_criterion(
            c, Scope.parse(c.scope) if c.scope else ALL, values, days_since, targets, hidden
        )
        for c in exit_config.criteria
    ]
    return {
        "last_go_live": last.isoformat() if last else None,
        "days_since_last_go_live": days_since,
        "verdict": verdict([r["status"] for r in results]),
        "criteria": results,
    }


def _as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
