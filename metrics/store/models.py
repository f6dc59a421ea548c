"""SQLAlchemy 2 models of the metrics store.

Every table the collectors, the KPIs, the alerts and the backlog read or write lives here. The
schema itself is created and changed only by the versioned migrations in ``migrations/``; these
classes describe it for queries. Keys written by collectors (``*_key``) are 64-bit content or
natural-key hashes with unique constraints, so re-reading a source never doubles a row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments INTEGER PRIMARY KEY, not BIGINT: use BIGINT elsewhere only.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base of every store table."""


class IngestRun(Base):
    """One `hypercare collect` (or demo) run."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|ok|failed
    command: Mapped[str | None] = mapped_column(String(200))


class IngestFile(Base):
    """One file (or batch) read by one source in one run, with its counts.

    ``rows_read = accepted + duplicates + quarantined`` holds for every row of this table.
    """

    __tablename__ = "ingest_files"
    __table_args__ = (Index("ix_ingest_files_source_path", "source", "path"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("ingest_runs.id"))
    source: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    path: Mapped[str] = mapped_column(String(1000))
    checksum: Mapped[str] = mapped_column(String(200))  # SHA-256 of the whole file
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    # Where reading started: a grown log is read from the end of what an earlier run read.
    start_offset: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    start_line: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    # Of the duplicates: rows of an erased person (``hypercare forget``), skipped, not stored.
    erased: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Usage sources: the newest local day among the events the file delivered (source health
    # reads it instead of the newest day of millions of events).
    newest_day: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # ok|failed
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class SourceCursor(Base):
    """The watermark of an incremental source (a SQL query read by its watermark column).

    Written in the same transaction as the rows it covers, so it never runs ahead of them.
    """

    __tablename__ = "source_cursors"

    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    value_type: Mapped[str] = mapped_column(String(16))  # int|float|text|date|datetime
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Quarantine(Base):
    """A row a collector refused, kept with where it came from and why (a dead-letter queue)."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("row_key", name="uq_quarantine_row_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    row_key: Mapped[int] = mapped_column(BigInteger)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_files.id"))
    source: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    path: Mapped[str] = mapped_column(String(1000))
    line: Mapped[int | None] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(16))  # parse|convert|validate
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Person(Base):
    """A roster entry: who is licensed, in which team and wave, and when they go live."""

    __tablename__ = "people"

    person_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    team: Mapped[str] = mapped_column(String(200))
    wave: Mapped[str | None] = mapped_column(String(200))
    go_live: Mapped[dt.date | None] = mapped_column(Date)
    licensed: Mapped[bool] = mapped_column(Boolean, default=True)
    ambassador: Mapped[bool] = mapped_column(Boolean, default=False)
    display_name: Mapped[str | None] = mapped_column(String(200))
    row_hash: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PersonAlias(Base):
    """Another identifier of a roster person (an e-mail next to a matricule), pseudonymized."""

    __tablename__ = "person_aliases"

    alias_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    person_key: Mapped[str] = mapped_column(String(200), index=True)


class UsageEvent(Base):
    """One usage event: somebody did something in the new tool."""

    __tablename__ = "usage_events"
    __table_args__ = (
        UniqueConstraint("event_key", name="uq_usage_events_key"),
        Index("ix_usage_events_day_user", "day", "user_key"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_key: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(100))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_files.id"))
    ts: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    day: Mapped[dt.date] = mapped_column(Date)  # local calendar day in the company's timezone
    user_key: Mapped[str] = mapped_column(String(200))
    feature: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(16))  # ok|error|None
    duration_ms: Mapped[float | None] = mapped_column(Float)
    status: Mapped[int | None] = mapped_column(Integer)  # HTTP status for access logs


class UsageDaily(Base):
    """Daily rollup: one row per person and local day with their activity counts.

    Refreshed for the days new data touched; every user-count KPI is computed from it.
    """

    __tablename__ = "usage_daily"
    # Per-person first/last active day (activation, time to first use) without a full scan.
    __table_args__ = (Index("ix_usage_daily_person_day", "person_key", "day"),)

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    person_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    events: Mapped[int] = mapped_column(Integer)
    ok_events: Mapped[int] = mapped_column(Integer)
    error_events: Mapped[int] = mapped_column(Integer)


class UsageDailyFeature(Base):
    """Daily rollup per person, local day and feature (feature scopes, breadth, feature adoption).

    ``action`` keeps the action too, since core features are often configured as actions
    (``invoice.create``); refreshed with ``usage_daily`` for the days new data touched.
    ``durations`` lists the row's events' ``duration_ms`` as comma-separated text, in no set
    order, that reads back to the same floats (NULL when none has one), so that a 95th percentile
    over 30 days reads one row per person, day and action instead of every event
    (``metrics.usage_kpis``).
    """

    __tablename__ = "usage_daily_feature"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    person_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    feature: Mapped[str] = mapped_column(String(200), primary_key=True)
    action: Mapped[str] = mapped_column(String(200), primary_key=True)
    events: Mapped[int] = mapped_column(Integer)
    ok_events: Mapped[int] = mapped_column(Integer)
    error_events: Mapped[int] = mapped_column(Integer)
    durations: Mapped[str | None] = mapped_column(Text, nullable=True)


class ErrorEvent(Base):
    """An application error-log entry."""

    __tablename__ = "error_events"
    __table_args__ = (UniqueConstraint("event_key", name="uq_error_events_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_key: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(100))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_files.id"))
    ts: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    level: Mapped[str] = mapped_column(String(16))
    module: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str | None] = mapped_column(Text)
    user_key: Mapped[str | None] = mapped_column(String(200))


class SurveyResponse(Base):
    """One response to a survey (a row of a forms export)."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("response_key", name="uq_survey_responses_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    response_key: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(100))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_files.id"))
    ref: Mapped[str] = mapped_column(String(100))  # response id, or data-row number in its file
    round: Mapped[str | None] = mapped_column(String(100))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    day: Mapped[dt.date | None] = mapped_column(Date, index=True)
    user_key: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(200))
    complete: Mapped[bool] = mapped_column(Boolean, default=True)
    # content hash: a response exported again with other answers (finished since) is updated
    row_hash: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class SurveyAnswer(Base):
    """One answer of a response, mapped to an instrument (nps, csat, ces, sus, umux_lite…)."""

    __tablename__ = "survey_answers"
    __table_args__ = (Index("ix_survey_answers_response", "response_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(String(20))
    item: Mapped[int] = mapped_column(Integer, default=1)  # SUS item number, 1-based
    question: Mapped[str] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)


class Ticket(Base):
    """A support ticket (Jira, Zendesk, Freshdesk, or a CSV with mapped columns)."""

    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("source", "ticket_ref", name="uq_tickets_source_ref"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(100))
    ticket_ref: Mapped[str] = mapped_column(String(100))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_files.id"))
    row_hash: Mapped[int] = mapped_column(BigInteger)
    subject: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str | None] = mapped_column(String(50))
    module: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(200))
    reporter_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    first_response_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class FeedbackItem(Base):
    """A piece of feedback (survey comment, ticket, meeting note) on its way into the backlog."""

    __tablename__ = "feedback_items"
    # ``ref`` alone is not unique: survey refs are data-row numbers, and a source's glob may
    # match several files. ``origin_key`` (kind, source, the record's own key) is.
    __table_args__ = (UniqueConstraint("origin_key", name="uq_feedback_items_origin"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # survey|ticket|meeting
    ref: Mapped[str] = mapped_column(String(100))
    day: Mapped[dt.date | None] = mapped_column(Date)
    team: Mapped[str | None] = mapped_column(String(200))
    person_key: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    theme_id: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(20), default="new")
    owner: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    effort: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(200))
    # Written by the feedback sync from the collected record (never by people):
    origin_key: Mapped[int | None] = mapped_column(BigInteger)
    origin_id: Mapped[int | None] = mapped_column(BigInteger)  # the response, ticket or note id
    title: Mapped[str | None] = mapped_column(String(300))
    link: Mapped[str | None] = mapped_column(String(1000))
    priority: Mapped[str | None] = mapped_column(String(50))  # a ticket's priority
    created_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Written by the themes (duplicate_of) and by people (impact, theme_locked by merges):
    impact: Mapped[float | None] = mapped_column(Float)  # people's override of the rubric
    theme_locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    duplicate_of: Mapped[int | None] = mapped_column(BigInteger)  # a near-duplicate of that item


class AlertState(Base):
    """Current state of one alert rule on one scope (Normal, Pending, Firing, Resolved)."""

    __tablename__ = "alert_states"

    rule: Mapped[str] = mapped_column(String(200), primary_key=True)
    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="normal")
    since: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    value: Mapped[float | None] = mapped_column(Float)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    ack_comment: Mapped[str | None] = mapped_column(Text)
    silenced_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_notified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The as-of days behind the state: when it was entered and the last day evaluated.
    since_day: Mapped[dt.date | None] = mapped_column(Date)
    last_as_of: Mapped[dt.date | None] = mapped_column(Date)
    threshold: Mapped[float | None] = mapped_column(Float)  # the line compared with (or expected)
    detail: Mapped[str | None] = mapped_column(Text)  # JSON: what the last evaluation found


class AlertHistory(Base):
    """Every state transition of an alert, with its value and time."""

    __tablename__ = "alert_history"
    __table_args__ = (Index("ix_alert_history_rule_scope", "rule", "scope"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(200))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None] = mapped_column(Float)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    as_of: Mapped[dt.date | None] = mapped_column(Date)


class MeetingNote(Base):
    """One point of a follow-up meeting's notes (a CSV row or a Markdown bullet)."""

    __tablename__ = "meeting_notes"
    __table_args__ = (UniqueConstraint("source", "ref", name="uq_meeting_notes_source_ref"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(100))
    ref: Mapped[str] = mapped_column(String(100))  # the note's id, else <date>/<team>#<n>
    file_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_files.id"))
    row_hash: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[dt.date] = mapped_column(Date)
    team: Mapped[str | None] = mapped_column(String(200))
    author_key: Mapped[str | None] = mapped_column(String(200))
    meeting: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(1000))


class FeedbackTheme(Base):
    """A group of similar feedback items, labelled from its top terms."""

    __tablename__ = "feedback_themes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    label: Mapped[str] = mapped_column(String(300))  # top terms, e.g. "export fec cabinet"
    title: Mapped[str | None] = mapped_column(String(300))  # the most central item's title
    terms: Mapped[str | None] = mapped_column(Text)  # the top terms, one per line, best first
    manual: Mapped[bool] = mapped_column(Boolean, default=False)  # made by a merge or unmerge
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class FeedbackEdit(Base):
    """Every change people make to the backlog: who, when, which field, old and new values.

    ``item_id`` is not a foreign key: the history outlives an item the sync removed.
    """

    __tablename__ = "feedback_edits"
    __table_args__ = (Index("ix_feedback_edits_item", "item_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    item_id: Mapped[int | None] = mapped_column(BigInteger)
    theme_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(20))  # edit|merge|unmerge|release
    field: Mapped[str | None] = mapped_column(String(50))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AlertRun(Base):
    """One `hypercare alerts` evaluation: its as-of day, what it changed and what it sent.

    Its row is the run's first write, which serializes runs on SQLite (PostgreSQL takes an
    advisory lock as well).
    """

    __tablename__ = "alert_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))  # running|ok|notify-failed
    transitions: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str | None] = mapped_column(Text)  # JSON: deliveries and skipped scopes


class AlertDelivery(Base):
    """What each notification channel was last told about an alert (firing or resolved).

    A channel that failed has no new row, so the next run sends it again; a firing alert is
    reminded once ``repeat`` days have passed since ``as_of``.
    """

    __tablename__ = "alert_deliveries"

    rule: Mapped[str] = mapped_column(String(200), primary_key=True)
    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # firing|resolved
    as_of: Mapped[dt.date] = mapped_column(Date)
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ReconcileRun(Base):
    """One `hypercare reconcile` run: when it ran and its worst entity status."""

    __tablename__ = "reconcile_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))  # pass|fail|error
    entities: Mapped[int] = mapped_column(Integer, default=0)


class ReconcileResult(Base):
    """One entity's result in one reconciliation run: its status, counts and the full JSON."""

    __tablename__ = "reconcile_results"
    __table_args__ = (Index("ix_reconcile_results_entity_run", "entity", "run_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconcile_runs.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # pass|fail|error
    rows_legacy: Mapped[int | None] = mapped_column(BigInteger)
    rows_new: Mapped[int | None] = mapped_column(BigInteger)
    missing_in_new: Mapped[int | None] = mapped_column(BigInteger)
    extra_in_new: Mapped[int | None] = mapped_column(BigInteger)
    changed: Mapped[int | None] = mapped_column(BigInteger)
    duplicates_legacy: Mapped[int | None] = mapped_column(BigInteger)
    duplicates_new: Mapped[int | None] = mapped_column(BigInteger)
    message: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text)  # the entity's JSON, samples of keys included
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ErrorCount(Base):
    """Requests and errors of one module over one period, from monitoring (Prometheus) or an
    aggregated CSV: error_rate where no per-event log exists (see docs/kpis.md for how counts and
    usage events combine). Keyed by source, period and module; a period read again with other
    counts (a corrected export) is updated."""

    __tablename__ = "error_counts"
    __table_args__ = (
        UniqueConstraint("count_key", name="uq_error_counts_key"),
        Index("ix_error_counts_day_module", "day", "module"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    count_key: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(100))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_files.id"))
    period_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    period_end: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    day: Mapped[dt.date] = mapped_column(Date)  # local calendar day of the period's start
    last_day: Mapped[dt.date] = mapped_column(Date)  # local day of the period's last instant
    module: Mapped[str | None] = mapped_column(String(200))
    requests: Mapped[float] = mapped_column(Float)
    errors: Mapped[float] = mapped_column(Float)
    row_hash: Mapped[int] = mapped_column(BigInteger)


class ErasedPerson(Base):
    """A tombstone left by ``hypercare forget``: the keyed pseudonym of an erased identifier.

    Only the pseudonym is kept (never the identifier itself), so that a later collect skips the
    person's rows instead of bringing them back.
    """

    __tablename__ = "erased_people"

    person_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    erased_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Erasure(Base):
    """One ``hypercare purge`` or ``forget``: when, what, and the rows it removed per table."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    action: Mapped[str] = mapped_column(String(16))  # purge|forget
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    cutoff: Mapped[dt.date | None] = mapped_column(Date)  # purge: rows before this day went
    removed: Mapped[str] = mapped_column(Text)  # JSON: table -> rows removed


class PulseUse(Base):
    """A right to answer a pulse-survey round that has been used (surveys/pulse.py).

    ``use_key`` is a keyed hash (HMAC under the secret key) of the survey, the round and the
    person (identified rounds) or the person's one-time nonce (anonymous rounds); it is the
    primary key, so a second answer with the same right fails, even when two race. The table
    has no time, no person and no link to the response, so that an anonymous answer cannot be
    traced back to whoever used the right.
    """

    __tablename__ = "pulse_uses"

    use_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    round_key: Mapped[str] = mapped_column(String(300), index=True)  # survey:round[:wave]


class ErrorCountDaily(Base):
    """Daily rollup of ``error_counts``: per local start day, last day and module (``""`` for the
    whole application), refreshed for the days a file or pull touched; error_rate reads it."""

    __tablename__ = "error_counts_daily"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last_day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    module: Mapped[str] = mapped_column(String(200), primary_key=True)
    requests: Mapped[float] = mapped_column(Float)
    errors: Mapped[float] = mapped_column(Float)


class SourceStatus(Base):
    """How each source's last collect went, whatever it read: a run that found only files
    already read (no ledger row) still counts as a success, and a source that could not start
    (no file matches, an API refused) still records its error. Freshness reads it."""

    __tablename__ = "source_status"

    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    last_run_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
