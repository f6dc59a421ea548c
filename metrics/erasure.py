"""Retention purge and the right to erasure (``hypercare purge`` / ``hypercare forget``).

``purge`` deletes the dated personal data older than ``privacy.retention_days`` (see
``PURGE_RULES``: one rule per table, and why). ``forget`` erases one person everywhere: every
row that carries one of their keyed pseudonyms (their roster key and every alias) is deleted,
with what hangs off it (survey answers, feedback items and their edit history), quarantined raw
rows that name them are deleted, and their identifier is cut out of free text and audit fields
of other rows. A tombstone keeps only the pseudonyms (``erased_people``), so that later collects
skip their rows: those are counted in the ledger as duplicates, and apart in ``erased``.

Both run in one transaction (a dry run is the same work rolled back, so its counts are exact)
and record what they removed, per table, in ``erasures``: the ingest ledger keeps what was read,
the erasure log says what went since, and per-person rollups go with their events.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, Table, Text, and_, delete, func, inspect, or_, select, update
from sqlalchemy.orm import Session

from collectors.base import stable_hash
from collectors.privacy import Pseudonymizer, normalize_identifier
from metrics.store import Store
from metrics.store.models import (
    Base,
    ErasedPerson,
    Erasure,
    ErrorEvent,
    FeedbackEdit,
    FeedbackItem,
    IngestFile,
    MeetingNote,
    PersonAlias,
    Quarantine,
    SurveyAnswer,
    SurveyResponse,
    Ticket,
    UsageDaily,
    UsageDailyFeature,
    UsageEvent,
)

ERASED = "[erased]"
# Tables that are the erasure's own records, or the schema's, never swept.
_OWN_TABLES = frozenset({"erased_people", "erasures", "alembic_version"})
# Per-event tables: no free text, too many rows to read in Python.
_BULK_TABLES = frozenset({"usage_events", "usage_daily", "usage_daily_feature"})
_TOKEN = re.compile(r"[^\s;,|\"'<>()\[\]{}=:/]+")

# What the retention purge does with each table (docs/security.md repeats this).
PURGE_RULES: dict[str, str] = {
    "usage_events": "events of a local day before the cutoff",
    "usage_daily": "per-person daily rollups of those days (they go with their events)",
    "usage_daily_feature": "per-person, per-feature rollups of those days",
    "error_events": "error-log entries of a day before the cutoff",
    "survey_responses": "responses of a day before the cutoff (undated ones are kept)",
    "survey_answers": "the answers of those responses",
    "tickets": "tickets resolved before the cutoff (open tickets are still being worked on)",
    "meeting_notes": "notes of meetings before the cutoff",
    "feedback_items": "items whose survey response, ticket or note was purged, and items "
    "without an origin dated before the cutoff",
    "feedback_edits": "the edit history of those items",
    "quarantine": "quarantined rows (raw text) quarantined before the cutoff",
}
# Kept: people and person_aliases (the current roster, not dated: `forget` removes a person),
# the ingest ledger and runs, source_status (counts and file names, no personal data), alerts,
# reconciliation results, feedback themes and error_counts (aggregates, no person), pulse_uses
# (keyed hashes of a round and a person, no time).


@dataclass
class ErasureReport:
    """What a purge or a forget removed (or would remove, for a dry run)."""

    action: str  # purge|forget
    dry_run: bool
    removed: dict[str, int] = field(default_factory=dict)  # table -> rows deleted
    scrubbed: dict[str, int] = field(default_factory=dict)  # table.column -> values edited
    cutoff: dt.date | None = None
    identifiers: int = 0  # forget: pseudonyms erased (the person's key and aliases)
    already_erased: bool = False

    @property
    def total(self) -> int:
        return sum(self.removed.values())

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"action": self.action, "dry_run": self.dry_run}
        if self.cutoff is not None:
            result["cutoff"] = self.cutoff.isoformat()
        if self.action == "forget":
            result["identifiers"] = self.identifiers
            result["already_erased"] = self.already_erased
        result["removed"] = dict(sorted(self.removed.items()))
        result["scrubbed"] = dict(sorted(self.scrubbed.items()))
        result["total"] = self.total
        return result


def _count(report: ErasureReport, table: str, rows: int) -> None:
    if rows:
        report.removed[table] = report.removed.get(table, 0) + rows


def _delete(session: Session, report: ErasureReport, model: Any, condition: Any) -> int:
    rows = session.execute(
        delete(model).where(condition).execution_options(synchronize_session=False)
    ).rowcount
    _count(report, model.__tablename__, rows or 0)
    return rows or 0


def _ids(session: Session, column: Any, condition: Any) -> list[int]:
    return list(session.scalars(select(column).where(condition)))


def _chunks(values: list[Any], size: int = 900) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _delete_ids(session: Session, report: ErasureReport, model: Any, ids: list[int]) -> None:
    for part in _chunks(ids):
        _delete(session, report, model, model.id.in_(part))


def _drop_feedback(
    session: Session, report: ErasureReport, origins: dict[str, list[int]], extra: Any = None
) -> None:
    """Delete the feedback items of removed origins (and ``extra``), with their edit history."""
    conditions = [
        and_(FeedbackItem.kind == kind, FeedbackItem.origin_id.in_(part))
        for kind, ids in origins.items()
        for part in _chunks(ids)
    ]
    if extra is not None:
        conditions.append(extra)
    if not conditions:
        return
    items = _ids(session, FeedbackItem.id, or_(*conditions))
    for part in _chunks(items):
        _delete(session, report, FeedbackEdit, FeedbackEdit.item_id.in_(part))
    _delete_ids(session, report, FeedbackItem, items)


def _finish(store_session: Session, report: ErasureReport) -> None:
    store_session.add(
        Erasure(
            action=report.action,
            at=dt.datetime.now(dt.UTC),
            cutoff=report.cutoff,
            removed=json.dumps(
                {"removed": report.removed, "scrubbed": report.scrubbed}, sort_keys=True
            ),
        )
    )


def _run(store: Store, dry_run: bool, work: Any) -> ErasureReport:
    session = store.sessions()
    try:
        report = work(session)
        _finish(session, report)
        if dry_run:
            session.rollback()
        else:
            session.commit()
        return report
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# --- purge ----------------------------------------------------------------------------------


def purge_cutoff(today: dt.date, retention_days: int) -> dt.date:
    """The first day kept: rows of earlier days are purged."""
    return today - dt.timedelta(days=retention_days)


def purge(
    store: Store,
    retention_days: int,
    today: dt.date,
    tz: dt.tzinfo,
    *,
    dry_run: bool = False,
) -> ErasureReport:
    """Delete the personal data older than the retention period (see ``PURGE_RULES``)."""
    cutoff = purge_cutoff(today, retention_days)
    cutoff_ts = dt.datetime.combine(cutoff, dt.time(), tzinfo=tz)

    def work(session: Session) -> ErasureReport:
        report = ErasureReport("purge", dry_run, cutoff=cutoff)
        _delete(session, report, UsageEvent, UsageEvent.day < cutoff)
        _delete(session, report, UsageDaily, UsageDaily.day < cutoff)
        _delete(session, report, UsageDailyFeature, UsageDailyFeature.day < cutoff)
        _delete(session, report, ErrorEvent, ErrorEvent.day < cutoff)
        responses = _ids(session, SurveyResponse.id, SurveyResponse.day < cutoff)
        tickets = _ids(
            session,
            Ticket.id,
            and_(Ticket.resolved_at.is_not(None), Ticket.resolved_at < cutoff_ts),
        )
        notes = _ids(session, MeetingNote.id, MeetingNote.day < cutoff)
        _drop_feedback(
            session,
            report,
            {"survey": responses, "ticket": tickets, "meeting": notes},
            and_(FeedbackItem.origin_id.is_(None), FeedbackItem.day < cutoff),
        )
        for part in _chunks(responses):
            _delete(session, report, SurveyAnswer, SurveyAnswer.response_id.in_(part))
        _delete_ids(session, report, SurveyResponse, responses)
        _delete_ids(session, report, Ticket, tickets)
        _delete_ids(session, report, MeetingNote, notes)
        _delete(session, report, Quarantine, Quarantine.created_at < cutoff_ts)
        return report

    return _run(store, dry_run, work)


# --- forget ---------------------------------------------------------------------------------


def _person_keys(session: Session, key: str) -> set[str]:
    """The pseudonym and every other pseudonym of the same roster person (aliases)."""
    keys = {key}
    persons = {key} | set(
        session.scalars(select(PersonAlias.person_key).where(PersonAlias.alias_key == key))
    )
    keys |= persons
    keys |= set(
        session.scalars(select(PersonAlias.alias_key).where(PersonAlias.person_key.in_(persons)))
    )
    return keys


def _is_theirs(token: str, keys: set[str], pseudonymize: Pseudonymizer) -> bool:
    return any(w and pseudonymize(w) in keys for w in (token, token.rstrip(".!?")))


def mentions(raw: str, keys: set[str], pseudonymize: Pseudonymizer) -> bool:
    """Whether a raw row names one of ``keys`` (one of its words pseudonymizes to one)."""
    return any(_is_theirs(token, keys, pseudonymize) for token in _TOKEN.findall(raw))


def _word(identifier: str) -> re.Pattern[str]:
    """The identifier as a whole word (``al`` is not cut out of ``total``), any case."""
    return re.compile(rf"(?<![\w.@+-]){re.escape(identifier)}(?![\w@+-]|\.\w)", re.IGNORECASE)


def _text_columns(table: Table) -> list[Any]:
    return [c for c in table.columns if isinstance(c.type, String | Text)]


def _swept_tables(session: Session) -> list[tuple[Table, list[Any]]]:
    """Every table of the store (dependents first) with its text columns, as the store has them.

    Read from the database, not only from the models: a store at another revision than the
    code (a table or a column it does not have yet) is swept for what it holds.
    """
    found = inspect(session.connection())
    present = set(found.get_table_names())
    swept = []
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in _OWN_TABLES or table.name not in present:
            continue
        names = {c["name"] for c in found.get_columns(table.name)}
        swept.append((table, [c for c in _text_columns(table) if c.name in names]))
    return swept


def _scrub(value: str, word: re.Pattern[str], keys: set[str], pseudonymize: Pseudonymizer) -> str:
    """``value`` with the identifier, the pseudonyms and every word that pseudonymizes to one of
    them cut out."""
    for key in keys:
        value = re.sub(re.escape(key), ERASED, value, flags=re.IGNORECASE)
    value = word.sub(ERASED, value)

    def cut(match: re.Match[str]) -> str:
        token = match.group()
        if pseudonymize(token) in keys:
            return ERASED
        stripped = token.rstrip(".!?")
        if stripped and pseudonymize(stripped) in keys:
            return ERASED + token[len(stripped) :]
        return token

    return _TOKEN.sub(cut, value)


def _scrub_tables(
    session: Session,
    report: ErasureReport,
    needles: list[str],
    word: re.Pattern[str],
    keys: set[str],
    pseudonymize: Pseudonymizer,
) -> None:
    """Cut the person out of the text of rows that are not theirs (a ticket naming them).

    Every text column of every table is read, except in the big per-event tables, where the
    database looks for the identifier and the pseudonyms itself (their text is no free text).
    """
    for table, text_columns in _swept_tables(session):
        primary = list(table.primary_key.columns)
        columns = [c for c in text_columns if not c.name.endswith("_key")]
        if not columns or not primary:
            continue
        query = select(*primary, *columns)
        if table.name in _BULK_TABLES:
            query = query.where(
                or_(*(func.lower(c).contains(n, autoescape=True) for c in columns for n in needles))
            )
        edited: dict[str, int] = {}
        for hit in session.execute(query).all():
            ident, values = hit[: len(primary)], hit[len(primary) :]
            changes = {}
            for column, value in zip(columns, values, strict=True):
                if value:
                    new = _scrub(value, word, keys, pseudonymize)
                    if new != value:
                        changes[column.name] = new
            if changes:
                where = and_(*(c == v for c, v in zip(primary, ident, strict=True)))
                session.execute(update(table).where(where).values(changes))
                for name in changes:
                    edited[name] = edited.get(name, 0) + 1
        for name, count in edited.items():
            report.scrubbed[f"{table.name}.{name}"] = count


def forget(
    store: Store,
    identifier: str,
    pseudonymize: Pseudonymizer,
    *,
    sources: Iterable[str] = (),
    dry_run: bool = False,
) -> ErasureReport:
    """Erase one person (``identifier`` as users know it: e-mail or login) from the store.

    ``sources`` are the collectors' source names: their locks are taken (PostgreSQL) so that a
    collector running at the same time either finishes first (and its rows are erased) or
    starts after (and sees the tombstone).
    """
    normalized = normalize_identifier(identifier)
    if not normalized:
        raise ValueError("the identifier is empty")
    key = pseudonymize(identifier)
    word = _word(normalized)

    def work(session: Session) -> ErasureReport:
        report = ErasureReport("forget", dry_run)
        if session.get_bind().dialect.name == "postgresql":
            names = set(sources) | set(session.scalars(select(IngestFile.source).distinct()))
            for name in sorted(names):
                session.execute(select(func.pg_advisory_xact_lock(stable_hash("collect", name))))
        keys = _person_keys(session, key)
        known = set(
            session.scalars(
                select(ErasedPerson.person_key).where(ErasedPerson.person_key.in_(keys))
            )
        )
        report.identifiers = len(keys)
        report.already_erased = known == keys
        key_list = sorted(keys)
        # What hangs off the person's records: answers, feedback items, their edit history.
        responses = _ids(session, SurveyResponse.id, SurveyResponse.user_key.in_(key_list))
        tickets = _ids(session, Ticket.id, Ticket.reporter_key.in_(key_list))
        notes = _ids(session, MeetingNote.id, MeetingNote.author_key.in_(key_list))
        _drop_feedback(
            session,
            report,
            {"survey": responses, "ticket": tickets, "meeting": notes},
            FeedbackItem.person_key.in_(key_list),
        )
        for part in _chunks(responses):
            _delete(session, report, SurveyAnswer, SurveyAnswer.response_id.in_(part))
        # Every row of every table with a column equal to one of the person's pseudonyms.
        for table, columns in _swept_tables(session):
            if not columns:
                continue
            condition = or_(*(c.in_(key_list) for c in columns))
            rows = session.execute(delete(table).where(condition)).rowcount or 0
            _count(report, table.name, rows)
        # Quarantined raw rows that name the person (under any of their identifiers).
        doomed = [
            row_id
            for row_id, raw in session.execute(select(Quarantine.id, Quarantine.raw))
            if word.search(raw) or mentions(raw, keys, pseudonymize)
        ]
        _delete_ids(session, report, Quarantine, doomed)
        # The identifier, another of theirs, or a pseudonym inside other rows' text: cut out.
        _scrub_tables(session, report, [normalized, *key_list], word, keys, pseudonymize)
        now = dt.datetime.now(dt.UTC)
        for person_key in sorted(keys - known):
            session.add(ErasedPerson(person_key=person_key, erased_at=now))
        return report

    return _run(store, dry_run, work)


# --- the collectors' side -------------------------------------------------------------------


def erased_keys(session: Session) -> set[str]:
    """The pseudonyms of erased people (the tombstones)."""
    return set(session.scalars(select(ErasedPerson.person_key)))


def skip_erased(
    session: Session,
    ctx: Any,
    kind: Any,
    good: list[tuple[Any, dict[str, Any]]],
    bad: list[tuple[Any, Any]],
) -> int:
    """Take the rows of erased people out of a batch (in place); return how many.

    A converted record is an erased person's when one of its identifier fields is a tombstoned
    pseudonym; a refused row, when one of the words of its raw text pseudonymizes to one (its
    raw text would otherwise be kept in quarantine).
    """
    keys = ctx.file_state.get("erased")
    if keys is None:
        keys = ctx.file_state["erased"] = erased_keys(session)
    if not keys:
        return 0
    id_fields = [name for name, f in kind.fields.items() if f.type == "id"]
    before = len(good) + len(bad)
    good[:] = [(row, rec) for row, rec in good if not any(rec.get(n) in keys for n in id_fields)]
    bad[:] = [(row, err) for row, err in bad if not mentions(row.raw, keys, ctx.pseudonymize)]
    return before - len(good) - len(bad)
