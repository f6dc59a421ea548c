"""Support tickets: one row per ticket, updated in place as it moves (a re-export replaces it).

Tickets are keyed by source and ticket reference; a row identical to the stored ticket counts as a
duplicate, a changed one updates it. Exports that repeat a column (Jira's ``Component/s``,
``Component/s (2)``…) have the repeated values joined. Subjects and descriptions are scrubbed of
e-mail addresses and phone numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from collectors.base import (
    CollectContext,
    Field,
    RowConverter,
    RowError,
    WriteResult,
    fields_of,
    first_in_file,
    stable_hash,
)
from collectors.privacy import scrub_text
from collectors.readers import RawRow
from metrics.store.models import Ticket

_TEXT_LIMIT = 8000
_REPEATED = re.compile(r"^(?P<base>.+) \((?P<n>\d+)\)$")
_JOINED = ("module", "team")


class TicketsKind:
    name = "tickets"
    fields = fields_of(
        Field(
            "ref", "text", required=True, help="ticket key or id (FACT-180, 4512)", max_length=100
        ),
        Field("created_at", "datetime", required=True, help="when the ticket was opened"),
        Field("subject", "text", help="summary"),
        Field("description", "text", help="body of the ticket"),
        Field(
            "priority",
            "text",
            help="priority as the tool writes it (Highest, Urgent…)",
            max_length=50,
        ),
        Field("status", "text", help="status as the tool writes it", max_length=50),
        Field("module", "text", help="component or module", max_length=200),
        Field("team", "text", help="the requester's team, or the support group", max_length=200),
        Field("reporter", "id", help="who opened it"),
        Field("first_response_at", "datetime", help="first agent response"),
        Field("first_response_minutes", "number", help="minutes to first response (Zendesk)"),
        Field("resolved_at", "datetime", help="when it was resolved or closed"),
    )

    def bind_header(self, converter: RowConverter, header: list[str], path: str) -> None:
        """Find the repeats of joined columns (``Component/s (2)``…)."""
        repeats: dict[str, list[str]] = {}
        for name in _JOINED:
            column = converter.columns.get(name)
            if column is None:
                continue
            siblings = [
                h for h in header if (m := _REPEATED.match(h)) and m.group("base") == column
            ]
            if siblings:
                repeats[name] = [column, *siblings]
        converter.ctx.file_state["repeats"] = repeats

    def finish_record(
        self, record: dict[str, Any], ctx: CollectContext, row: RawRow
    ) -> dict[str, Any]:
        assert row.values is not None
        for name, columns in ctx.file_state.get("repeats", {}).items():
            parts = [row.values.get(c, "").strip() for c in columns]
            record[name] = ", ".join(p for p in parts if p) or None
        created: dt.datetime = record["created_at"]
        if created > dt.datetime.now(dt.UTC) + dt.timedelta(days=1):
            raise RowError("validate", f"the creation time {created.isoformat()} is in the future")
        minutes = record.pop("first_response_minutes")
        if record["first_response_at"] is None and minutes is not None:
            if minutes < 0:
                raise RowError("validate", f"the first response time {minutes:g} min is negative")
            try:
                record["first_response_at"] = created + dt.timedelta(minutes=minutes)
            except OverflowError:  # more minutes than the calendar holds (1e12…)
                raise RowError(
                    "validate", f"the first response time {minutes:g} min is not a real duration"
                ) from None
        for name in ("first_response_at", "resolved_at"):
            moment = record[name]
            if moment is not None and moment < created:
                raise RowError(
                    "validate",
                    f"{name} {moment.isoformat()} is before the creation {created.isoformat()}",
                )
        for name in ("created_at", "first_response_at", "resolved_at"):
            if record[name] is not None:
                record[name] = record[name].astimezone(dt.UTC)
        for name in ("subject", "description"):
            if record[name]:
                record[name] = scrub_text(record[name])[:_TEXT_LIMIT]
        record["row_hash"] = stable_hash(
            *(record[f] for f in self.fields if f not in ("ref", "first_response_minutes"))
        )
        return record

    def write(
        self, session: Session, ctx: CollectContext, items: list[tuple[RawRow, dict[str, Any]]]
    ) -> WriteResult:
        result = WriteResult()
        refs = list({r["ref"] for _, r in items})
        existing = {
            t.ticket_ref: t
            for t in session.scalars(
                select(Ticket).where(Ticket.source == ctx.source.name, Ticket.ticket_ref.in_(refs))
            )
        }
        for row, record in items:
            ref = record["ref"]
            conflict = f"ticket {ref} is already listed at line {{line}} with other values"
            if not first_in_file(ctx, ref, row, record["row_hash"], result, conflict):
                continue
            ticket = existing.get(ref)
            if ticket is not None and ticket.row_hash == record["row_hash"]:
                result.duplicates += 1
                continue
            values = {
                "file_id": ctx.file_id,
                "row_hash": record["row_hash"],
                "subject": record["subject"],
                "description": record["description"],
                "priority": record["priority"],
                "status": record["status"],
                "module": record["module"],
                "team": record["team"],
                "reporter_key": record["reporter"],
                "created_at": record["created_at"],
                "first_response_at": record["first_response_at"],
                "resolved_at": record["resolved_at"],
            }
            if ticket is None:
                ticket = Ticket(source=ctx.source.name, ticket_ref=ref, **values)
                session.add(ticket)
                existing[ref] = ticket
            else:
                for name, value in values.items():
                    setattr(ticket, name, value)
            result.accepted += 1
        session.flush()
        return result

    def after_file(self, session: Session, ctx: CollectContext) -> None:
        return None
