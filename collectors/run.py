"""Running the configured collectors: files → rows → records → store, with the ingest ledger.

Each file is read in one transaction together with its ledger entry, its quarantined rows and the
rollups it touched: a crash mid-file leaves the store as it was before that file. A file whose
checksum is already in the ledger is skipped. For every file, read = accepted + duplicates +
quarantined.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from collectors.base import CollectContext, RowConverter, RowError, chunked, stable_hash
from collectors.formats import Format, Resume
from collectors.kinds import KINDS
from collectors.privacy import Pseudonymizer
from collectors.readers import READERS, FileError, FileReading, RawRow
from collectors.status import record_status
from hypercare.config import Config, SourceConfig
from metrics.erasure import skip_erased
from metrics.store import Store
from metrics.store.models import IngestFile, IngestRun, Quarantine, SourceCursor

BATCH_ROWS = 2000
_RAW_LIMIT = 20_000  # characters of a quarantined row's raw text kept
_CURSOR_LIMIT = 200  # characters of a watermark value (source_cursors.value)


@dataclass
class FileOutcome:
    """What happened to one file."""

    path: str
    status: str  # ok | skipped | failed
    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    quarantined: int = 0
    error: str | None = None
    erased: int = 0  # of the duplicates: rows of people erased by `hypercare forget`


@dataclass
class SourceOutcome:
    """What happened to one source: its files, or why it could not be read."""

    name: str
    kind: str
    files: list[FileOutcome] = field(default_factory=list)
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None or any(f.status == "failed" for f in self.files)

    def total(self, attribute: str) -> int:
        return sum(getattr(f, attribute) for f in self.files)


def file_checksum(path: Path) -> str:
    """SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def source_files(config: Config, source: SourceConfig) -> list[Path]:
    """The files a source's ``path`` (a glob, relative to the config file) matches, sorted."""
    pattern = Path(source.path)
    if not pattern.is_absolute():
        pattern = config.base_dir / pattern
    return sorted(Path(p) for p in glob.glob(str(pattern)) if Path(p).is_file())


def _display_path(config: Config, path: Path) -> str:
    try:
        return str(path.relative_to(config.base_dir))
    except ValueError:
        return str(path)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _ordered(sources: Iterable[SourceConfig]) -> list[SourceConfig]:
    # The roster goes first so that usage read in the same run joins people and aliases.
    return sorted(sources, key=lambda s: (s.kind != "roster", s.index))


def collect(
    config: Config,
    store: Store,
    source_names: Iterable[str] | None = None,
    *,
    command: str = "collect",
    on_file: Callable[[SourceConfig, FileOutcome], None] | None = None,
    on_progress: Callable[[SourceConfig, str, int], None] | None = None,
) -> list[SourceOutcome]:
    """Run the collectors of ``config`` (all, or those named) into ``store``."""
    wanted = list(source_names or [])
    sources = [s for s in config.sources if not wanted or s.name in wanted]
    pseudonymize = Pseudonymizer(config.secret_key())
    with store.session() as session:
        run = IngestRun(started_at=_now(), status="running", command=command)
        session.add(run)
        session.flush()
        run_id = run.id
    outcomes = []
    for source in _ordered(sources):
        ctx = CollectContext(
            config=config, source=source, pseudonymize=pseudonymize, company_tz=config.tz
        )
        if on_progress is not None:
            ctx.progress = lambda shown, rows, source=source: on_progress(source, shown, rows)
        outcome = SourceOutcome(name=source.name, kind=source.kind)
        outcomes.append(outcome)
        fmt = READERS[source.format]
        if source.format == "sql" or fmt.pull is not None:
            pull = collect_sql if fmt.pull is None else fmt.pull_function()
            result = pull(store, ctx, run_id)
            outcome.files.append(result)
            if on_file is not None:
                on_file(source, result)
            continue
        files = source_files(config, source)
        if not files:
            outcome.error = (
                f"{source.key_path}.path: no file matches {source.path!r} "
                f"(looked in {config.base_dir})"
            )
            continue
        for path in files:
            result = collect_file(store, ctx, path, run_id)
            outcome.files.append(result)
            if on_file is not None:
                on_file(source, result)
    record_status(store, outcomes, _now())
    with store.session() as session:
        run = session.get(IngestRun, run_id)
        assert run is not None
        run.finished_at = _now()
        run.status = "failed" if any(o.failed for o in outcomes) else "ok"
    return outcomes


def open_ledger(
    session: Session,
    ctx: CollectContext,
    run_id: int,
    path: str,
    checksum: str,
    started: dt.datetime,
    *,
    size: int = 0,
    resume: Resume | None = None,
) -> IngestFile:
    """The ledger row of a file (or pull) being read; ``ctx`` writes under it from now on."""
    ledger = IngestFile(
        run_id=run_id,
        source=ctx.source.name,
        kind=ctx.source.kind,
        path=path,
        checksum=checksum,
        size_bytes=size,
        start_offset=resume.offset if resume else 0,
        start_line=resume.line if resume else 0,
        status="ok",
        started_at=started,
    )
    session.add(ledger)
    session.flush()
    ctx.file_id = ledger.id
    ctx.file_state = {}
    return ledger


def close_ledger(ledger: IngestFile, outcome: FileOutcome) -> None:
    """Write what reading did into its ledger row (read = accepted + duplicates + quarantined)."""
    ledger.rows_read = outcome.read
    ledger.accepted = outcome.accepted
    ledger.duplicates = outcome.duplicates
    ledger.quarantined = outcome.quarantined
    ledger.erased = outcome.erased
    ledger.finished_at = _now()


def store_refusal(exc: DataError | IntegrityError, shown: str, what: str) -> str:
    """The message of a value the store refused (a bug or an unforeseen input)."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return f"{shown}: the store refused {what} ({reason})"


def release_context(ctx: CollectContext) -> None:
    """Forget what one file's reading left in ``ctx`` (whether it succeeded or not)."""
    ctx.file_id = None
    ctx.touched_days.clear()
    ctx.roster_changed = False


def collect_file(store: Store, ctx: CollectContext, path: Path, run_id: int) -> FileOutcome:
    """Read one file into the store in one transaction; never raises for bad input."""
    shown = _display_path(ctx.config, path)
    source = ctx.source
    try:
        checksum = file_checksum(path)
        size = path.stat().st_size
    except OSError as exc:
        return FileOutcome(shown, "failed", error=f"{shown}: cannot read the file ({exc.strerror})")
    fmt = READERS[source.format]
    with store.session() as session:
        # The same bytes under any name of this source (a log renamed by rotation) were read.
        done = session.scalar(
            select(IngestFile.id)
            .where(
                IngestFile.source == source.name,
                IngestFile.checksum == checksum,
                IngestFile.status == "ok",
            )
            .limit(1)
        )
        resume = find_resume(session, source.name, shown, path, size) if fmt.resumable else None
    if done is not None:
        return FileOutcome(shown, "skipped")
    started = _now()
    outcome = FileOutcome(shown, "ok")
    try:
        with store.session() as session:
            _lock_source(session, source.name)
            ledger = open_ledger(
                session, ctx, run_id, shown, checksum, started, size=size, resume=resume
            )
            if _read_meanwhile(session, source.name, checksum, ledger.id):
                raise _AlreadyRead
            _read_into(session, ctx, path, shown, outcome, resume)
            close_ledger(ledger, outcome)
    except _AlreadyRead:
        return FileOutcome(shown, "skipped")
    except FileError as exc:
        return _record_failure(store, ctx, shown, checksum, size, run_id, started, str(exc))
    except OSError as exc:
        message = f"{shown}: cannot read the file ({exc.strerror or exc})"
        return _record_failure(store, ctx, shown, checksum, size, run_id, started, message)
    except (DataError, IntegrityError) as exc:
        # A value the store refuses (a bug or an unforeseen input): the file fails, the run goes on.
        message = store_refusal(exc, shown, "a row of this file")
        return _record_failure(store, ctx, shown, checksum, size, run_id, started, message)
    finally:
        release_context(ctx)
    assert outcome.read == outcome.accepted + outcome.duplicates + outcome.quarantined
    return outcome


class _AlreadyRead(Exception):
    """Another collector read this file while this one waited for the store."""


def _lock_source(session: Session, source: str) -> None:
    """Serialize collectors of one source: a PostgreSQL advisory lock held to the commit; on
    SQLite the database's write lock, taken now (``BEGIN IMMEDIATE``) rather than at the first
    write, since a pull reads its stored cursor before it writes: two collectors pulling at once
    both read the same cursor and quarantined its bad rows twice."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(stable_hash("collect", source))))
        return
    driver = session.connection().connection.driver_connection
    if driver is not None and not driver.in_transaction:
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def _read_meanwhile(session: Session, source: str, checksum: str, own_id: int) -> bool:
    """Whether another collector committed the same file while this one waited for its lock."""
    found = session.scalar(
        select(IngestFile.id)
        .where(
            IngestFile.source == source,
            IngestFile.checksum == checksum,
            IngestFile.status == "ok",
            IngestFile.id != own_id,
        )
        .limit(1)
    )
    return found is not None


def collect_sql(store: Store, ctx: CollectContext, run_id: int) -> FileOutcome:
    """Read a SQL source from its stored watermark on, in one transaction with the new cursor."""
    from collectors.readers.sql import Cursor, describe_url, read_sql

    source = ctx.source
    started = _now()
    label = f"sql:{source.name}"
    if source.sql is not None and source.sql.url:
        label = f"sql:{describe_url(source.sql.url)}"
    outcome = FileOutcome(label, "ok")
    since = "from the start"
    try:
        with store.session() as session:
            _lock_source(session, source.name)
            stored = session.get(SourceCursor, source.name)
            cursor = Cursor(stored.value_type, stored.value) if stored else None
            if cursor is not None:
                since = f"watermark >= {cursor.value}"
            state = read_sql(source, ctx.config.base_dir, cursor)
            outcome.path = label = state.label
            ledger = open_ledger(session, ctx, run_id, label, since[:200], started)
            _read_rows(session, ctx, state.reading, label, outcome, READERS["sql"])
            if state.highest is not None and (
                cursor is None or _later(state.highest, cursor.python())
            ):
                new = Cursor.of(state.highest)
                if len(new.value) > _CURSOR_LIMIT:
                    raise FileError(
                        f"{source.key_path}.watermark: the last row's {source.sql.watermark} is "
                        f"{len(new.value)} characters long, more than a cursor holds "
                        f"({_CURSOR_LIMIT}); a watermark is a time, a date or a number"
                    )
                row = session.get(SourceCursor, source.name)
                if row is None:
                    row = SourceCursor(source=source.name)
                    session.add(row)
                row.value_type, row.value, row.updated_at = new.value_type, new.value, _now()
            close_ledger(ledger, outcome)
    except FileError as exc:
        return _record_failure(store, ctx, label, since[:200], 0, run_id, started, str(exc))
    except (DataError, IntegrityError) as exc:
        message = store_refusal(exc, label, "a row of this source")
        return _record_failure(store, ctx, label, since[:200], 0, run_id, started, message)
    finally:
        release_context(ctx)
    assert outcome.read == outcome.accepted + outcome.duplicates + outcome.quarantined
    return outcome


def _later(value: Any, than: Any) -> bool:
    """Whether a watermark value read is past the stored cursor's.

    Values Python cannot compare (an SQLite column mixing numbers and text) were ordered by the
    database, which returned them at or after the cursor: the cursor moves to them.
    """
    try:
        return bool(value > than)
    except TypeError:
        return True


def _prefix_digest(path: Path, length: int) -> tuple[str, int, bytes]:
    """SHA-256 of the first ``length`` bytes, their newline count and their last byte."""
    digest = hashlib.sha256()
    newlines = 0
    last = b""
    with open(path, "rb") as handle:
        left = length
        while left > 0:
            chunk = handle.read(min(1 << 20, left))
            if not chunk:
                break
            digest.update(chunk)
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
            left -= len(chunk)
    return digest.hexdigest(), newlines, last


def find_resume(session: Session, source: str, shown: str, path: Path, size: int) -> Resume | None:
    """Where to resume a log that grew since an earlier run read it, or None to read it all.

    A file resumes when its first N bytes are exactly a file this source read before (under its
    own name, or another one: ``access.log`` rotated to ``access.log.1`` after more lines were
    written) and those N bytes end a line. A file read while a line was half written is read
    again whole: deduplication absorbs what was read before.
    """
    candidates = session.execute(
        select(IngestFile.path, IngestFile.checksum, IngestFile.size_bytes)
        .where(
            IngestFile.source == source,
            IngestFile.status == "ok",
            IngestFile.size_bytes > 0,
            IngestFile.size_bytes < size,
        )
        .order_by((IngestFile.path == shown).desc(), IngestFile.id.desc())
        .limit(5)
    ).all()
    for _, checksum, length in candidates:
        digest, newlines, last = _prefix_digest(path, length)
        if digest == checksum and last == b"\n":
            return Resume(offset=length, line=newlines)
    return None


def _record_failure(
    store: Store,
    ctx: CollectContext,
    shown: str,
    checksum: str,
    size: int,
    run_id: int,
    started: dt.datetime,
    message: str,
) -> FileOutcome:
    with store.session() as session:
        session.add(
            IngestFile(
                run_id=run_id,
                source=ctx.source.name,
                kind=ctx.source.kind,
                path=shown,
                checksum=checksum,
                size_bytes=size,
                status="failed",
                error=message,
                started_at=started,
                finished_at=_now(),
            )
        )
    return FileOutcome(shown, "failed", error=message)


def _read_into(
    session: Session,
    ctx: CollectContext,
    path: Path,
    shown: str,
    outcome: FileOutcome,
    resume: Resume | None = None,
) -> None:
    fmt = READERS[ctx.source.format]
    _read_rows(session, ctx, fmt.read(path, ctx.source, resume), shown, outcome, fmt)


def _read_rows(
    session: Session,
    ctx: CollectContext,
    reading: FileReading,
    shown: str,
    outcome: FileOutcome,
    fmt: Format,
    finish: bool = True,
) -> None:
    """Convert, write and quarantine the rows of one reading; ``finish=False`` leaves the kind's
    ``after_file`` (rollup refresh…) to the caller, for a pull that reads several pages."""
    kind = KINDS[ctx.source.kind]
    if not reading.header:
        return  # an empty file has no rows
    converter = RowConverter(kind, ctx, reading.header, shown, fmt)
    for batch in chunked(reading.rows, BATCH_ROWS):
        good: list[tuple[RawRow, dict]] = []
        bad: list[tuple[RawRow, RowError]] = []
        for row in batch:
            try:
                good.append((row, converter.convert(row)))
            except RowError as exc:
                bad.append((row, exc))
        erased = skip_erased(session, ctx, kind, good, bad)  # counted as duplicates
        outcome.duplicates += erased
        outcome.erased += erased
        written = kind.write(session, ctx, good) if good else None
        if written is not None:
            outcome.accepted += written.accepted
            outcome.duplicates += written.duplicates
            bad.extend(written.rejected)
        _quarantine(session, ctx, shown, bad)
        outcome.read += len(batch)
        outcome.quarantined += len(bad)
        if ctx.progress is not None:
            ctx.progress(shown, outcome.read)
    if finish:
        kind.after_file(session, ctx)


def _quarantine(
    session: Session, ctx: CollectContext, shown: str, bad: list[tuple[RawRow, RowError]]
) -> None:
    if not bad:
        return
    source = ctx.source
    entries = {}
    for row, error in bad:
        key = stable_hash(source.name, shown, row.line, row.number, row.raw)
        entries[key] = (row, error)
    known = set(
        session.scalars(select(Quarantine.row_key).where(Quarantine.row_key.in_(list(entries))))
    )
    now = _now()
    for key, (row, error) in entries.items():
        if key in known:
            continue
        session.add(
            Quarantine(
                row_key=key,
                file_id=ctx.file_id,
                source=source.name,
                kind=source.kind,
                path=shown,
                line=row.line,
                stage=error.stage,
                reason=error.reason,
                raw=row.raw.replace("\0", "\\x00")[:_RAW_LIMIT],
                created_at=now,
            )
        )
    session.flush()
