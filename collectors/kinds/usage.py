"""Usage events: who did what in the new tool, when, and how it went."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from collectors.base import (
    CollectContext,
    Field,
    RowError,
    WriteResult,
    fields_of,
    insert_new_tuples,
    stable_hash,
)
from collectors.readers import RawRow
from metrics import rollups
from metrics.store.models import IngestFile, UsageEvent

_MAX_FUTURE = dt.timedelta(days=1)
_COLUMNS = [
    "event_key",
    "source",
    "file_id",
    "ts",
    "day",
    "user_key",
    "feature",
    "action",
    "outcome",
    "duration_ms",
    "status",
]


class UsageKind:
    name = "usage"
    fields = fields_of(
        Field("ts", "datetime", required=True, help="when the action happened"),
        Field("user", "id", required=True, help="who did it (matricule, login or e-mail)"),
        Field(
            "feature",
            "text",
            help="module or feature; default: the action up to its first dot",
            max_length=200,
        ),
        Field("action", "text", help="what was done, e.g. invoice.create", max_length=200),
        Field("outcome", "outcome", help="ok or error"),
        Field("duration_ms", "number", help="duration of the action in milliseconds"),
        Field("status", "number", help="HTTP status, for web logs"),
        Field("event_id", "text", help="the source's own id of the event (request id, log line)"),
    )

    def finish_record(
        self, record: dict[str, Any], ctx: CollectContext, row: RawRow
    ) -> dict[str, Any]:
        ts: dt.datetime = record["ts"]
        latest = ctx.file_state.get("latest")
        if latest is None or ts > latest:  # the clock is read again before refusing a row
            latest = ctx.file_state["latest"] = dt.datetime.now(dt.UTC) + _MAX_FUTURE
        if ts > latest:
            raise RowError("validate", f"the time {ts.isoformat()} is in the future")
        duration = record["duration_ms"]
        if duration is not None and duration < 0:
            raise RowError("validate", f"the duration {duration:g} ms is negative")
        status = record["status"]
        if status is not None:
            if not (100 <= status <= 599) or status != int(status):
                raise RowError("validate", f"{status:g} is not an HTTP status")
            record["status"] = status = int(status)
            if record["outcome"] is None and not 400 <= status < 500:
                # 4xx are the client's doing: stored with their status, counted apart, neither
                # a success nor an error of the tool.
                record["outcome"] = "error" if status >= 500 else "ok"
        if record["feature"] is None and record["action"] and status is None:
            record["feature"] = record["action"].split(".", 1)[0]
        utc = ts.astimezone(dt.UTC)
        record["day"] = ts.astimezone(ctx.company_tz).date()  # ctx.local_day, inlined
        record["ts"] = utc
        event_id = record["event_id"]
        if event_id:  # only when given, so that other keys never change
            record["event_key"] = stable_hash(
                utc.isoformat(),
                record["user"],
                record["feature"],
                record["action"],
                record["outcome"],
                duration,
                status,
                event_id,
            )
        else:
            record["event_key"] = stable_hash(
                utc.isoformat(),
                record["user"],
                record["feature"],
                record["action"],
                record["outcome"],
                duration,
                status,
            )
        return record

    def write(
        self, session: Session, ctx: CollectContext, items: list[tuple[RawRow, dict[str, Any]]]
    ) -> WriteResult:
        source, file_id = ctx.source.name, ctx.file_id
        rows = [
            (
                record["event_key"],
                source,
                file_id,
                record["ts"],
                record["day"],
                record["user"],
                record["feature"],
                record["action"],
                record["outcome"],
                record["duration_ms"],
                record["status"],
            )
            for _, record in items
        ]
        accepted, duplicates = insert_new_tuples(session, UsageEvent, _COLUMNS, rows)
        if accepted:
            ctx.touched_days.update(record["day"] for _, record in items)
        return WriteResult(accepted, duplicates)

    def after_file(self, session: Session, ctx: CollectContext) -> None:
        if not ctx.touched_days:
            return
        rollups.refresh_days(session, ctx.touched_days)
        if ctx.file_id is not None:  # the source's freshness, kept in the ledger
            newest = max(ctx.touched_days)
            session.execute(
                update(IngestFile)
                .where(
                    IngestFile.id == ctx.file_id,
                    or_(IngestFile.newest_day.is_(None), IngestFile.newest_day < newest),
                )
                .values(newest_day=newest)
            )
        ctx.touched_days.clear()
