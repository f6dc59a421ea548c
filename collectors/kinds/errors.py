"""Application error-log entries: when, how severe, in which module, for whom.

Messages are scrubbed of e-mail addresses and phone numbers before they are stored; the level is
normalized (Python names, pino/bunyan numbers, Sentry and French names) so that ``ERROR`` and
above can be counted the same way whatever the source.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from collectors.base import (
    CollectContext,
    Field,
    RowError,
    WriteResult,
    fields_of,
    insert_new,
    stable_hash,
)
from collectors.privacy import scrub_text
from collectors.readers import RawRow
from metrics.store.models import ErrorEvent

_MESSAGE_LIMIT = 4000
_MAX_FUTURE = dt.timedelta(days=1)


class ErrorsKind:
    name = "errors"
    fields = fields_of(
        Field("ts", "datetime", required=True, help="when the entry was logged"),
        Field("level", "level", required=True, help="severity: INFO, WARNING, ERROR, 50, fatal…"),
        Field("module", "text", help="logger name or module", max_length=200),
        Field("message", "text", help="the message (e-mails and phone numbers are scrubbed)"),
        Field("user", "id", help="who hit the error, when the log says"),
        Field("event_id", "text", help="the source's own id of the entry (Sentry's event_id)"),
    )

    def finish_record(
        self, record: dict[str, Any], ctx: CollectContext, row: RawRow
    ) -> dict[str, Any]:
        ts: dt.datetime = record["ts"]
        if ts > dt.datetime.now(dt.UTC) + _MAX_FUTURE:
            raise RowError("validate", f"the time {ts.isoformat()} is in the future")
        if record["message"]:
            record["message"] = scrub_text(record["message"])[:_MESSAGE_LIMIT]
        utc = ts.astimezone(dt.UTC)
        record["ts"] = utc
        record["day"] = ctx.local_day(ts)
        parts = ["errors", utc.isoformat(), record["level"], record["module"]]
        parts += [record["message"], record["user"]]
        if record["event_id"]:
            parts.append(record["event_id"])  # only when given, so that other keys never change
        record["event_key"] = stable_hash(*parts)
        return record

    def write(
        self, session: Session, ctx: CollectContext, items: list[tuple[RawRow, dict[str, Any]]]
    ) -> WriteResult:
        rows = [
            {
                "event_key": r["event_key"],
                "source": ctx.source.name,
                "file_id": ctx.file_id,
                "ts": r["ts"],
                "day": r["day"],
                "level": r["level"],
                "module": r["module"],
                "message": r["message"],
                "user_key": r["user"],
            }
            for _, r in items
        ]
        return WriteResult(*insert_new(session, ErrorEvent, rows))

    def after_file(self, session: Session, ctx: CollectContext) -> None:
        return None
