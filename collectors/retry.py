"""``hypercare collect --retry-quarantine``: read quarantined rows again with the current config.

After the config is fixed (a value mapping added, a date format set), each unresolved quarantined
row is read again from its file — only if the file still holds the same text at that line — or,
for a SQL source, from the values kept in the quarantine. A row that now passes is stored and its
quarantine entry marked resolved; a row that still fails stays, with the new reason. Each retried
file gets a ledger entry where read = accepted + duplicates + quarantined, like any other.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from collectors.base import CollectContext, RowConverter, RowError
from collectors.kinds import KINDS
from collectors.privacy import Pseudonymizer
from collectors.readers import READERS, FileError, RawRow
from collectors.run import FileOutcome, SourceOutcome, close_ledger, open_ledger
from hypercare.config import Config, SourceConfig
from metrics.erasure import skip_erased
from metrics.store import Store
from metrics.store.models import IngestRun, Quarantine


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def retry_quarantine(
    config: Config, store: Store, source_names: list[str] | None = None
) -> list[SourceOutcome]:
    """Retry the unresolved quarantined rows of the sources (all, or those named)."""
    pseudonymize = Pseudonymizer(config.secret_key())
    sources = [s for s in config.sources if not source_names or s.name in source_names]
    with store.session() as session:
        run = IngestRun(started_at=_now(), status="running", command="collect --retry-quarantine")
        session.add(run)
        session.flush()
        run_id = run.id
        pending: dict[str, dict[str, list[Quarantine]]] = defaultdict(lambda: defaultdict(list))
        for entry in session.scalars(
            select(Quarantine)
            .where(Quarantine.resolved_at.is_(None))
            .order_by(Quarantine.path, Quarantine.line)
        ):
            pending[entry.source][entry.path].append(entry)
    outcomes = []
    for source in sorted(sources, key=lambda s: (s.kind != "roster", s.index)):
        outcome = SourceOutcome(name=source.name, kind=source.kind)
        outcomes.append(outcome)
        for shown, entries in pending.get(source.name, {}).items():
            ctx = CollectContext(
                config=config, source=source, pseudonymize=pseudonymize, company_tz=config.tz
            )
            outcome.files.append(_retry_file(store, ctx, shown, entries, run_id))
    with store.session() as session:
        run = session.get(IngestRun, run_id)
        assert run is not None
        run.finished_at = _now()
        run.status = "failed" if any(o.failed for o in outcomes) else "ok"
    return outcomes


def _rows_to_retry(
    config: Config, source: SourceConfig, shown: str, entries: list[Quarantine]
) -> tuple[list[str], list[tuple[RawRow, Quarantine]], list[Quarantine]]:
    """(header, rows still as quarantined with their entry, entries whose row changed)."""
    if not READERS[source.format].files:  # a query or an API: the raw text is the row as JSON
        rows = []
        header: dict[str, None] = {}
        for entry in entries:
            values = json.loads(entry.raw)
            header.update(dict.fromkeys(values))
            line = entry.line or 0
            rows.append((RawRow(line, line, values, entry.raw), entry))
        return list(header), rows, []
    path = Path(shown)
    if not path.is_absolute():
        path = config.base_dir / path
    if not path.is_file():
        raise FileError(f"{shown}: the file is gone; its quarantined rows stay as they are")
    wanted = {entry.line: entry for entry in entries}
    reading = READERS[source.format].read(path, source)
    found: list[tuple[RawRow, Quarantine]] = []
    for row in reading.rows:
        entry = wanted.get(row.line)
        if entry is not None and row.raw == entry.raw:
            found.append((row, entry))
    kept = {id(e) for _, e in found}
    changed = [e for e in entries if id(e) not in kept]
    return reading.header, found, changed


def _retry_file(
    store: Store, ctx: CollectContext, shown: str, entries: list[Quarantine], run_id: int
) -> FileOutcome:
    source = ctx.source
    outcome = FileOutcome(shown, "ok")
    started = _now()
    try:
        header, rows, changed = _rows_to_retry(ctx.config, source, shown, entries)
    except FileError as exc:
        return FileOutcome(shown, "failed", error=str(exc))
    if changed:
        outcome.error = (
            f"{shown}: {len(changed)} quarantined row(s) no longer match the file "
            "(it was rewritten); they stay in quarantine"
        )
    if not rows:
        return outcome
    try:
        _retry_into_store(store, ctx, shown, header, rows, outcome, started, run_id)
    except FileError as exc:  # e.g. the config now maps a column the quarantined rows lack
        return FileOutcome(shown, "failed", error=f"{shown}: {exc}; the rows stay in quarantine")
    assert outcome.read == outcome.accepted + outcome.duplicates + outcome.quarantined
    return outcome


def _retry_into_store(
    store: Store,
    ctx: CollectContext,
    shown: str,
    header: list[str],
    rows: list,
    outcome: FileOutcome,
    started: dt.datetime,
    run_id: int,
) -> None:
    """Convert and write the rows again under a ledger row of their own, in one transaction."""
    with store.session() as session:
        checksum = f"retry-quarantine:{started.isoformat()}"
        ledger = open_ledger(session, ctx, run_id, shown, checksum, started)
        _retry_rows(session, ctx, header, rows, shown, outcome)
        close_ledger(ledger, outcome)


def _retry_rows(
    session: Session,
    ctx: CollectContext,
    header: list[str],
    rows: list[tuple[RawRow, Quarantine]],
    shown: str,
    outcome: FileOutcome,
) -> None:
    kind = KINDS[ctx.source.kind]
    converter = RowConverter(kind, ctx, header, shown, READERS[ctx.source.format])
    good = []
    failures: dict[int, RowError] = {}
    for row, entry in rows:
        try:
            good.append((row, converter.convert(row)))
        except RowError as exc:
            failures[entry.id] = exc
    # Rows of a person erased since: skipped (counted as duplicates), their entry deleted.
    failed = [(row, failures[entry.id]) for row, entry in rows if entry.id in failures]
    erased = skip_erased(session, ctx, kind, good, failed)
    if erased:
        kept = {id(row) for row, _ in good} | {id(row) for row, _ in failed}
        gone = [entry for row, entry in rows if id(row) not in kept]
        for entry in gone:
            failures.pop(entry.id, None)
            session.delete(session.get(Quarantine, entry.id))
        rows = [(row, entry) for row, entry in rows if id(row) in kept]
        outcome.read += len(gone)
        outcome.duplicates += erased
        outcome.erased += erased
    if good:
        written = kind.write(session, ctx, good)
        outcome.accepted += written.accepted
        outcome.duplicates += written.duplicates
        entry_of = {id(row): entry for row, entry in rows}
        for row, error in written.rejected:
            failures[entry_of[id(row)].id] = error
    now = _now()
    for _, entry in rows:
        stored = session.get(Quarantine, entry.id)
        assert stored is not None
        if entry.id in failures:
            stored.stage = failures[entry.id].stage
            stored.reason = failures[entry.id].reason
        else:
            stored.resolved_at = now
    outcome.read += len(rows)
    outcome.quarantined += len(failures)
    kind.after_file(session, ctx)
