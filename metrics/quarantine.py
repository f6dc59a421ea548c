"""Reading the quarantine: the rows collectors refused, for review."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from metrics.store import Store
from metrics.store.models import Quarantine


def list_quarantine(
    store: Store, *, sources: list[str] | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Unresolved quarantined rows, newest file first then by line."""
    query = select(Quarantine).where(Quarantine.resolved_at.is_(None))
    if sources:
        query = query.where(Quarantine.source.in_(sources))
    query = query.order_by(Quarantine.source, Quarantine.path, Quarantine.line).limit(limit)
    with store.session() as session:
        return [
            {
                "source": q.source,
                "kind": q.kind,
                "path": q.path,
                "line": q.line,
                "stage": q.stage,
                "reason": q.reason,
                "raw": q.raw,
                "created_at": q.created_at.isoformat() if q.created_at else None,
            }
            for q in session.scalars(query)
        ]
