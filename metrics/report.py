"""The KPI snapshot behind ``hypercare report``: every scope's KPIs on an as-of day.

Scopes with fewer licensed users than ``privacy.min_group_size`` are listed under ``suppressed``
and never carry values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from metrics.adoption import user_kpis
from metrics.kpis import KPIS
from metrics.scopes import Scope, is_suppressed, wave_order
from metrics.store import Store


def today_in(tz: dt.tzinfo) -> dt.date:
    """The company's current calendar day."""
    return dt.datetime.now(tz).date()


def _scope_order(scopes: list[Scope], waves: list[str]) -> list[Scope]:
    rank = {w: i for i, w in enumerate(waves)}
    return sorted(
        scopes,
        key=lambda s: (
            ("all", "team", "wave").index(s.kind),
            rank.get(s.value or "", len(rank)) if s.kind == "wave" else 0,
            s.value or "",
        ),
    )


def build_report(store: Store, as_of: dt.date, min_group_size: int) -> dict[str, Any]:
    """The report in the shape of CONTRACT.md: ``{"as_of", "scopes", "suppressed"}``."""
    with store.session() as session:
        values = user_kpis(session, as_of)
        waves = wave_order(session)
    scopes: dict[str, dict[str, Any]] = {}
    suppressed: list[str] = []
    for scope in _scope_order(list(values), waves):
        kpis = values[scope]
        if is_suppressed(int(kpis["licensed_users"] or 0), min_group_size):
            suppressed.append(str(scope))
            continue
        scopes[str(scope)] = {code: kpis[code] for code in KPIS if code in kpis}
    return {"as_of": as_of.isoformat(), "scopes": scopes, "suppressed": suppressed}
