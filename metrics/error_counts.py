"""error_rate from counts per period and module (monitoring, aggregated CSVs), combined with usage
events without counting anything twice.

Counts are read through their daily rollup (``error_counts_daily``: per start day, last day and
module), refreshed by the ``error_counts`` kind for the days a file or pull touched, so that a
snapshot reads a few hundred rows however fine the periods (5-minute periods of ten modules over
30 days are 86,400 counts).

A count row (``error_counts``) belongs to the local day its period starts on and covers, for its
module, every local day from its start to its last instant. Within a window, for scope ``all``:

- usage events whose (day, feature) is covered by a count — the feature equal to the count's
  module, ignoring case, or any feature when the count has no module (the whole application) —
  are left out of error_rate;
- the counts' requests and errors are added in their place.

So a module monitored by Prometheus on a day takes its figures from Prometheus that day, and
every other module and day keeps its usage events. Counts carry no person: teams and waves keep
their usage events only, and task_success_rate stays over usage events (a request that is not an
error is not necessarily a successful task).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from metrics.scopes import Population
from metrics.store.models import ErrorCount, ErrorCountDaily, Person, UsageDailyFeature


@dataclass(frozen=True)
class CountedErrors:
    """What counts change in a window: the usage events they replace and the counts themselves."""

    replaced_with_outcome: int  # usage events with an outcome on covered days and modules
    replaced_errors: int
    requests: float
    errors: float

    def combine(self, with_outcome: int, errors: int) -> float | None:
        """error_rate of events (``with_outcome``, ``errors``) once the counts replace theirs."""
        total = with_outcome - self.replaced_with_outcome + self.requests
        failed = errors - self.replaced_errors + self.errors
        return round(failed / total, 4) if total > 0 else None


def _fold(module: str | None) -> str | None:
    return None if module is None else " ".join(module.split()).casefold()


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def refresh_days(session: Session, days: Iterable[dt.date]) -> None:
    """Recompute the daily rollup (``error_counts_daily``) of the start days between the earliest
    and latest of ``days``, in the caller's transaction."""
    days = list(days)
    if not days:
        return
    low, high = min(days), max(days)
    session.execute(
        delete(ErrorCountDaily).where(ErrorCountDaily.day >= low, ErrorCountDaily.day <= high)
    )
    module = func.coalesce(ErrorCount.module, "")
    keys = (ErrorCount.day, ErrorCount.last_day, module)
    session.execute(
        insert(ErrorCountDaily).from_select(
            ["day", "last_day", "module", "requests", "errors"],
            select(*keys, func.sum(ErrorCount.requests), func.sum(ErrorCount.errors))
            .where(ErrorCount.day >= low, ErrorCount.day <= high)
            .group_by(*keys),
        )
    )


def counted_errors(
    session: Session, start: dt.date, end: dt.date, population: Population
) -> CountedErrors | None:
    """The counts of the periods starting from ``start`` to ``end`` (local days, inclusive) and
    the usage events they replace; None when there is no count in the window."""
    rows = session.execute(
        select(
            ErrorCountDaily.day,
            ErrorCountDaily.last_day,
            ErrorCountDaily.module,
            ErrorCountDaily.requests,
            ErrorCountDaily.errors,
        ).where(ErrorCountDaily.day >= start, ErrorCountDaily.day <= end)
    ).all()
    if not rows:
        return None
    covered: set[tuple[dt.date, str | None]] = set()
    requests = errors = 0.0
    for first, last, module, n, failed in rows:
        requests += float(n or 0)
        errors += float(failed or 0)
        day, last = _as_date(first), min(_as_date(last), end)
        while day <= last:
            covered.add((day, _fold(module or None)))
            day += dt.timedelta(days=1)
    days = sorted({day for day, _ in covered})
    events = session.execute(
        select(
            UsageDailyFeature.day,
            UsageDailyFeature.feature,
            func.sum(UsageDailyFeature.ok_events),
            func.sum(UsageDailyFeature.error_events),
        )
        .select_from(UsageDailyFeature)
        .outerjoin(Person, Person.person_key == UsageDailyFeature.person_key)
        .where(UsageDailyFeature.day.in_(days), population.usage_filter())
        .group_by(UsageDailyFeature.day, UsageDailyFeature.feature)
    ).all()
    replaced_outcome = replaced_errors = 0
    for day, feature, ok, failed in events:
        day = _as_date(day)
        if (day, None) in covered or (day, _fold(feature or "")) in covered:
            replaced_outcome += int(ok or 0) + int(failed or 0)
            replaced_errors += int(failed or 0)
    return CountedErrors(replaced_outcome, replaced_errors, requests, errors)


def error_rates_by_module(session: Session, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Requests, errors and error_rate per module over the counts of the periods starting from
    ``start`` to ``end`` (inclusive), busiest module first."""
    rows = session.execute(
        select(
            ErrorCountDaily.module,
            func.sum(ErrorCountDaily.requests),
            func.sum(ErrorCountDaily.errors),
        )
        .where(ErrorCountDaily.day >= start, ErrorCountDaily.day <= end)
        .group_by(ErrorCountDaily.module)
    ).all()
    out = [
        {
            "module": module or "",
            "requests": float(n or 0),
            "errors": float(failed or 0),
            "error_rate": round(float(failed or 0) / float(n), 4) if n else None,
        }
        for module, n, failed in rows
    ]
    return sorted(out, key=lambda r: (-r["requests"], r["module"]))
