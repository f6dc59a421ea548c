"""Error counts: requests and errors of a module over a period, where no per-event log exists.

Monitoring (Prometheus) and aggregated exports count requests and errors per period and module
instead of logging each request. Each row is one period (start, optional end; a row without an
end covers one day from its start) of one module (or of the whole application when the module is
empty). error_rate uses these counts where they exist for a day and module, in place of the usage
events of that day and module (see docs/kpis.md), so nothing is counted twice.

The key is (source, period, module): the same period read again with the same counts is a
duplicate; with other counts (a corrected export, a period pulled again once complete) it is
updated.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from collectors.base import (
    CollectContext,
    Field,
    RowError,
    WriteResult,
    fields_of,
    first_in_file,
    stable_hash,
)
from collectors.readers import RawRow
from metrics.error_counts import refresh_days
from metrics.store.models import ErrorCount

_MAX_FUTURE = dt.timedelta(days=1)
_DEFAULT_PERIOD = dt.timedelta(days=1)


class ErrorCountsKind:
    name = "error_counts"
    fields = fields_of(
        Field("period_start", "datetime", required=True, help="start of the period counted"),
        Field(
            "period_end",
            "datetime",
            help="end of the period (exclusive); without it a row covers one day from its start",
        ),
        Field(
            "module", "text", help="module or service; empty: the whole application", max_length=200
        ),
        Field("requests", "number", required=True, help="requests (or actions) in the period"),
        Field("errors", "number", required=True, help="of which errors (HTTP 5xx, failures)"),
    )

    def finish_record(
        self, record: dict[str, Any], ctx: CollectContext, row: RawRow
    ) -> dict[str, Any]:
        start: dt.datetime = record["period_start"]
        end: dt.datetime | None = record["period_end"]
        if end is None:
            end = start + _DEFAULT_PERIOD
        if end <= start:
            raise RowError(
                "validate",
                f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})",
            )
        if start > dt.datetime.now(dt.UTC) + _MAX_FUTURE:
            raise RowError("validate", f"the period starts in the future ({start.isoformat()})")
        requests, errors = record["requests"], record["errors"]
        if not (math.isfinite(requests) and math.isfinite(errors)):
            raise RowError("validate", f"the counts are not numbers: {requests}, {errors}")
        if requests < 0 or errors < 0:
            raise RowError("validate", f"negative counts: {requests:g} requests, {errors:g} errors")
        if errors > requests:
            raise RowError(
                "validate", f"{errors:g} errors is more than the {requests:g} requests counted"
            )
        start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
        record["period_start"], record["period_end"] = start, end
        record["day"] = ctx.local_day(start)
        record["last_day"] = ctx.local_day(end - dt.timedelta(microseconds=1))
        module = record["module"]
        record["count_key"] = stable_hash(
            "error_counts", ctx.source.name, start.isoformat(), end.isoformat(), module
        )
        record["row_hash"] = stable_hash(float(requests), float(errors))
        return record

    def write(
        self, session: Session, ctx: CollectContext, items: list[tuple[RawRow, dict[str, Any]]]
    ) -> WriteResult:
        result = WriteResult()
        keys = list({r["count_key"] for _, r in items})
        existing: dict[int, ErrorCount] = {}
        for begin in range(0, len(keys), 900):
            chunk = keys[begin : begin + 900]
            for found in session.scalars(select(ErrorCount).where(ErrorCount.count_key.in_(chunk))):
                existing[found.count_key] = found
        for row, record in items:
            key = record["count_key"]
            conflict = "this period and module are already counted at line {line} with other counts"
            if not first_in_file(ctx, key, row, record["row_hash"], result, conflict):
                continue
            stored = existing.get(key)
            if stored is not None and stored.row_hash == record["row_hash"]:
                result.duplicates += 1
                continue
            if stored is None:
                stored = ErrorCount(
                    count_key=key,
                    source=ctx.source.name,
                    period_start=record["period_start"],
                    period_end=record["period_end"],
                    day=record["day"],
                    last_day=record["last_day"],
                    module=record["module"],
                )
                session.add(stored)
                existing[key] = stored
            stored.file_id = ctx.file_id
            stored.requests = float(record["requests"])
            stored.errors = float(record["errors"])
            stored.row_hash = record["row_hash"]
            result.accepted += 1
            ctx.touched_days.add(record["day"])
        session.flush()
        return result

    def after_file(self, session: Session, ctx: CollectContext) -> None:
        if ctx.touched_days:
            refresh_days(session, ctx.touched_days)
            ctx.touched_days.clear()
