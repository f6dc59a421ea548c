"""Follow-up meeting notes: one row per point raised (a CSV row or a Markdown bullet).

A note keeps its date, team, author (pseudonymized), meeting title, link and text (scrubbed of
e-mail addresses and phone numbers). Its ``ref`` is the source's own id when a column gives one,
else ``<date>#<6 hex digits of the team and text>``: a note identified by what it says, so that
appending meetings to a file, or reading several files, never mixes two notes up (an edited note
is a new note). A row identical to the stored note is a duplicate; a changed one updates it.
"""

from __future__ import annotations

import datetime as dt
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
from collectors.privacy import scrub_text
from collectors.readers import RawRow
from metrics.store.models import MeetingNote

_TEXT_LIMIT = 8000


def default_ref(day: dt.date, team: str | None, note: str) -> str:
    """``2026-06-03#1a2b3c``: the note's day and a digest of its team and text."""
    digest = stable_hash("meeting-note", team or "", " ".join(note.split()).casefold())
    return f"{day.isoformat()}#{digest & 0xFFFFFF:06x}"


class MeetingsKind:
    name = "meetings"
    fields = fields_of(
        Field("date", "date", required=True, help="the day of the meeting"),
        Field("note", "text", required=True, help="the point raised"),
        Field("team", "text", help="the team the meeting was with", max_length=200),
        Field("author", "id", help="who raised or wrote the point"),
        Field("meeting", "text", help="the meeting's title", max_length=200),
        Field("ref", "text", help="the note's id; default: <date>#<digest>", max_length=100),
        Field("link", "text", help="address of the minutes", max_length=1000),
    )

    def finish_record(
        self, record: dict[str, Any], ctx: CollectContext, row: RawRow
    ) -> dict[str, Any]:
        day: dt.date = record["date"]
        if day > dt.datetime.now(ctx.company_tz).date() + dt.timedelta(days=1):
            raise RowError("validate", f"the meeting date {day.isoformat()} is in the future")
        record["note"] = scrub_text(record["note"])[:_TEXT_LIMIT]
        record["ref"] = record["ref"] or default_ref(day, record["team"], record["note"])
        record["row_hash"] = stable_hash(
            *(record[f] for f in ("date", "note", "team", "author", "meeting", "link"))
        )
        return record

    def write(
        self, session: Session, ctx: CollectContext, items: list[tuple[RawRow, dict[str, Any]]]
    ) -> WriteResult:
        result = WriteResult()
        refs = list({r["ref"] for _, r in items})
        existing = {
            n.ref: n
            for n in session.scalars(
                select(MeetingNote).where(
                    MeetingNote.source == ctx.source.name, MeetingNote.ref.in_(refs)
                )
            )
        }
        for row, record in items:
            ref = record["ref"]
            conflict = f"note {ref} is already listed at line {{line}} with another text"
            if not first_in_file(ctx, ref, row, record["row_hash"], result, conflict):
                continue
            note = existing.get(ref)
            if note is not None and note.row_hash == record["row_hash"]:
                result.duplicates += 1
                continue
            values = {
                "file_id": ctx.file_id,
                "row_hash": record["row_hash"],
                "day": record["date"],
                "team": record["team"],
                "author_key": record["author"],
                "meeting": record["meeting"],
                "note": record["note"],
                "link": record["link"],
            }
            if note is None:
                note = MeetingNote(source=ctx.source.name, ref=ref, **values)
                session.add(note)
                existing[ref] = note
            else:
                for name, value in values.items():
                    setattr(note, name, value)
            result.accepted += 1
        session.flush()
        return result

    def after_file(self, session: Session, ctx: CollectContext) -> None:
        return None
