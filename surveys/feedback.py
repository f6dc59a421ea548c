"""Feedback items: survey comments, tickets and meeting notes turned into the backlog's rows.

``sync_feedback`` reads what the collectors stored and creates one item per survey comment
(each free-text answer of a response), per ticket (subject and description) and per meeting
note. Each item keeps its source, kind, ``ref`` (the ticket key; the response's ref — its id,
else its data-row number — with ``#2``, ``#3`` for a response's second and third free-text
question; the note's ref), team, day, person (pseudonymized, resolved to the roster person
through e-mail aliases) and a link back. Items are keyed by their origin, so a re-run adds
nothing: it refreshes what came from the source (a ticket's new subject) and never touches what
people set (status, owner, note, effort, impact, merges).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from collectors.base import stable_hash
from metrics.store.models import (
    FeedbackItem,
    IngestFile,
    MeetingNote,
    Person,
    SurveyAnswer,
    SurveyResponse,
    Ticket,
)
from surveys.results import person_resolver
from surveys.settings import BacklogSettings
from surveys.text import first_sentence, fold, tokens

# Answers that say there is nothing to say are not feedback.
NOTHING = frozenset(
    fold(t)
    for t in (
        "ras",
        "r.a.s",
        "rien",
        "rien à signaler",
        "rien de spécial",
        "non",
        "aucun",
        "aucune",
        "néant",
        "ok",
        "nothing",
        "none",
        "no",
        "n/a",
        "na",
        "nope",
        "-",
        ".",
    )
)
SOURCE_FIELDS = (
    "source",
    "kind",
    "ref",
    "day",
    "team",
    "person_key",
    "text",
    "title",
    "link",
    "priority",
    "origin_id",
)


@dataclass(frozen=True)
class SyncResult:
    added: int
    updated: int
    removed: int
    total: int


def is_feedback(text: str | None) -> bool:
    """Whether a free-text answer says something (not empty, not ``RAS`` or ``none``)."""
    if not text or not text.strip():
        return False
    folded = " ".join(fold(text).strip(" .!-").split())
    return folded not in NOTHING and bool(tokens(text))


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment  # SQLite: naive UTC


def _link(settings: BacklogSettings, source: str, ref: str, path: str | None) -> str | None:
    template = settings.links.get(source)
    if template:
        return template.replace("{ref}", quote(ref, safe="#"))[:1000]
    return f"{path}#{ref}"[:1000] if path else None


def _records(
    session: Session, settings: BacklogSettings, tz: ZoneInfo
) -> Iterator[tuple[int, dict[str, object]]]:
    """(origin key, the item's source fields) of every piece of feedback in the store."""
    resolve = person_resolver(session)
    teams = dict(session.execute(select(Person.person_key, Person.team)).all())
    paths = dict(session.execute(select(IngestFile.id, IngestFile.path)).all())

    def who(key: str | None, fallback_team: str | None) -> tuple[str | None, str | None]:
        person = resolve.get(key, key) if key else None
        return person, teams.get(person, fallback_team) if person else fallback_team

    comments = session.execute(
        select(SurveyResponse, SurveyAnswer.item, SurveyAnswer.text)
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(SurveyAnswer.instrument == "comment", SurveyAnswer.text.is_not(None))
        .order_by(SurveyResponse.id, SurveyAnswer.item)
    )
    for response, item, text in comments:
        if not is_feedback(text):
            continue
        ref = response.ref if item == 1 else f"{response.ref}#{item}"
        person, team = who(response.user_key, response.team)
        yield (
            stable_hash("feedback", "survey", response.response_key, item),
            {
                "source": response.source,
                "kind": "survey",
                "ref": ref[:100],
                "day": response.day,
                "team": team,
                "person_key": person,
                "text": text,
                "title": first_sentence(text),
                "link": _link(settings, response.source, ref, paths.get(response.file_id)),
                "priority": None,
                "origin_id": response.id,
            },
        )
    for ticket in session.scalars(select(Ticket).order_by(Ticket.id)):
        text = "\n\n".join(t for t in (ticket.subject, ticket.description) if t and t.strip())
        if not text:
            continue
        person, team = who(ticket.reporter_key, ticket.team)
        yield (
            stable_hash("feedback", "ticket", ticket.source, ticket.ticket_ref),
            {
                "source": ticket.source,
                "kind": "ticket",
                "ref": ticket.ticket_ref,
                "day": _utc(ticket.created_at).astimezone(tz).date(),
                "team": team,
                "person_key": person,
                "text": text,
                "title": (ticket.subject or first_sentence(text))[:300],
                "link": _link(
                    settings, ticket.source, ticket.ticket_ref, paths.get(ticket.file_id)
                ),
                "priority": ticket.priority,
                "origin_id": ticket.id,
            },
        )
    for note in session.scalars(select(MeetingNote).order_by(MeetingNote.id)):
        person, team = who(note.author_key, None)
        yield (
            stable_hash("feedback", "meeting", note.source, note.ref),
            {
                "source": note.source,
                "kind": "meeting",
                "ref": note.ref,
                "day": note.day,
                "team": note.team or team,
                "person_key": person,
                "text": note.note,
                "title": first_sentence(note.note),
                "link": (note.link or "")[:1000]
                or _link(settings, note.source, note.ref, paths.get(note.file_id)),
                "priority": None,
                "origin_id": note.id,
            },
        )


def lock_backlog(session: Session) -> None:
    """Serialize backlog writers (the CLI and the dashboard at once) until the commit.

    PostgreSQL takes an advisory lock; SQLite's first write takes the database's write lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(stable_hash("backlog"))))


def _touched_by_people(item: FeedbackItem) -> bool:
    return item.updated_by is not None or item.theme_locked


def sync_feedback(
    session: Session,
    settings: BacklogSettings,
    tz: ZoneInfo | str = "Europe/Paris",
    now: dt.datetime | None = None,
) -> SyncResult:
    """Create and refresh the items of everything collected; idempotent (see the module)."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    now = now or dt.datetime.now(dt.UTC)
    lock_backlog(session)
    existing = {i.origin_key: i for i in session.scalars(select(FeedbackItem))}
    seen: set[int] = set()
    added = updated = 0
    for key, fields in _records(session, settings, zone):
        if key in seen:
            continue
        seen.add(key)
        item = existing.get(key)
        if item is None:
            session.add(FeedbackItem(origin_key=key, status="new", created_at=now, **fields))
            added += 1
            continue
        changed = False
        for name in SOURCE_FIELDS:
            if getattr(item, name) != fields[name]:
                setattr(item, name, fields[name])
                changed = True
        updated += changed
    gone = [i.id for key, i in existing.items() if key not in seen and not _touched_by_people(i)]
    if gone:
        session.execute(delete(FeedbackItem).where(FeedbackItem.id.in_(gone)))
    session.flush()
    total = session.scalar(select(func.count()).select_from(FeedbackItem)) or 0
    return SyncResult(added, updated, len(gone), int(total))
