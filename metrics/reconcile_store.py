"""Reconciliation results in the store: one row per run, one per entity and run.

The dashboard shows :func:`latest_results` (each entity's last status, with the one before, so
that a drift appearing after the initial audit stands out) and :func:`history` (an entity's
statuses and counts over time); alert rules read the same functions. Plain dicts and lists: no
ORM object leaves this module.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from metrics.store.models import ReconcileResult, ReconcileRun

if TYPE_CHECKING:
    from metrics.store import Store


def save_run(
    store: Store,
    started: dt.datetime,
    finished: dt.datetime,
    status: str,
    results: list[dict[str, Any]],
) -> int:
    """Store one run and its entities' results in one transaction; returns the run's id."""
    with store.session() as session:
        run = ReconcileRun(
            started_at=started, finished_at=finished, status=status, entities=len(results)
        )
        session.add(run)
        session.flush()
        for result in results:
            rows, dups = result["rows"], result["duplicate_keys"]
            detail = {k: v for k, v in result.items() if not k.startswith("_")}
            session.add(
                ReconcileResult(
                    run_id=run.id,
                    entity=result["name"],
                    status=result["status"],
                    rows_legacy=rows["legacy"],
                    rows_new=rows["new"],
                    missing_in_new=result["missing_in_new"],
                    extra_in_new=result["extra_in_new"],
                    changed=result["changed"],
                    duplicates_legacy=dups["legacy"],
                    duplicates_new=dups["new"],
                    message=result.get("message"),
                    detail=json.dumps(detail, ensure_ascii=False, default=str),
                    started_at=result.get("_started_at", started),
                    finished_at=result.get("_finished_at", finished),
                )
            )
        return run.id


def differences(result: dict[str, Any]) -> int:
    """A result's differences: keys missing in new, extra in new, changed, duplicated."""
    dups = result.get("duplicate_keys") or {}
    counted = ("missing_in_new", "extra_in_new", "changed")
    return sum(int(result.get(k) or 0) for k in counted) + sum(int(v or 0) for v in dups.values())


def drifted(latest: dict[str, Any], initial: dict[str, Any]) -> bool:
    """A new drift: the latest result fails, and the initial audit passed or had fewer
    differences (discrepancies known and accepted at the initial audit are not a drift)."""
    return latest["status"] == "fail" and (
        initial["status"] == "pass" or differences(latest) > differences(initial)
    )


def result_dict(row: ReconcileResult) -> dict[str, Any]:
    at = row.finished_at
    if at is not None and at.tzinfo is None:  # SQLite hands back naive UTC
        at = at.replace(tzinfo=dt.UTC)
    return {
        "entity": row.entity,
        "run_id": row.run_id,
        "checked_at": at.isoformat() if at else None,
        "status": row.status,
        "rows": {"legacy": row.rows_legacy, "new": row.rows_new},
        "missing_in_new": row.missing_in_new,
        "extra_in_new": row.extra_in_new,
        "changed": row.changed,
        "duplicate_keys": {"legacy": row.duplicates_legacy, "new": row.duplicates_new},
        "message": row.message,
    }


def latest_results(store: Store) -> list[dict[str, Any]]:
    """Each entity's latest result (by name), with ``previous_status`` (None on its first run),
    ``runs`` (how many runs checked it), ``detail`` (the entity's full JSON) and ``initial`` (its
    first result, the initial audit, without detail)."""
    with store.session() as session:
        latest = (
            select(
                ReconcileResult.entity,
                func.max(ReconcileResult.id).label("last_id"),
                func.min(ReconcileResult.id).label("first_id"),
                func.count(ReconcileResult.id).label("runs"),
            )
            .group_by(ReconcileResult.entity)
            .subquery()
        )
        rows = session.execute(
            select(ReconcileResult, latest.c.runs, latest.c.first_id)
            .join(latest, ReconcileResult.id == latest.c.last_id)
            .order_by(ReconcileResult.entity)
        ).all()
        first_ids = [first_id for _, _, first_id in rows]
        initial = {
            row.id: result_dict(row)
            for row in session.scalars(
                select(ReconcileResult).where(ReconcileResult.id.in_(first_ids))
            )
        }
        out = []
        for row, runs, first_id in rows:
            previous = session.scalar(
                select(ReconcileResult.status)
                .where(ReconcileResult.entity == row.entity, ReconcileResult.id < row.id)
                .order_by(ReconcileResult.id.desc())
                .limit(1)
            )
            entry = result_dict(row)
            entry.update(
                previous_status=previous,
                runs=int(runs),
                detail=json.loads(row.detail or "{}"),
                initial=initial[first_id],
            )
            out.append(entry)
        return out


def history(store: Store, entity: str, limit: int | None = None) -> list[dict[str, Any]]:
    """An entity's results, oldest first (the last ``limit`` runs when given)."""
    with store.session() as session:
        query = (
            select(ReconcileResult)
            .where(ReconcileResult.entity == entity)
            .order_by(ReconcileResult.id.desc())
        )
        if limit is not None:
            query = query.limit(limit)
        rows = session.scalars(query).all()
        return [result_dict(row) for row in reversed(rows)]
