"""Backing up and restoring the store (``hypercare backup`` / ``hypercare restore``).

SQLite: the sqlite3 online backup API copies a consistent snapshot while collectors write; the
copy is checked with ``PRAGMA integrity_check`` and must hold a Hypercare schema. A restore
refuses a file that is not a Hypercare store or that a newer Hypercare wrote, moves the current
store (with its ``-wal`` and ``-shm`` files) aside to ``<store>.before-restore-<time>`` rather
than deleting it, and puts a verified copy of the backup in its place.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists
--single-transaction``; the current database is dumped aside before it is replaced. The client
tools must be installed (``postgresql-client``), at the server's major version or newer.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import URL, make_url, text

from metrics.store import open_store
from metrics.store.engine import MIGRATIONS_DIR, StoreError, make_engine
from metrics.store.models import Base

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
# Tables every Hypercare store has had since its first revision.
_CORE_TABLES = ("alembic_version", "ingest_files", "usage_events", "people")


class BackupError(Exception):
    """A backup or restore that cannot be done (a user-facing message naming the file)."""


class BadBackup(BackupError):
    """The file given is not a backup this Hypercare can restore (a user's mistake)."""


@dataclass
class BackupResult:
    """What ``backup`` wrote."""

    path: Path
    backend: str
    size_bytes: int
    revisions: list[str]
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "backend": self.backend,
            "size_bytes": self.size_bytes,
            "revisions": self.revisions,
            "seconds": round(self.seconds, 3),
            "rows": self.rows,
        }


@dataclass
class RestoreResult:
    """What ``restore`` did: the backup restored and where the replaced store was kept."""

    path: Path
    backend: str
    revisions: list[str]
    kept_aside: Path | None
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "backend": self.backend,
            "revisions": self.revisions,
            "kept_aside": str(self.kept_aside) if self.kept_aside else None,
            "seconds": round(self.seconds, 3),
        }


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")


def default_backup_name(url: str) -> str:
    """``hypercare-<UTC time>.db`` for SQLite, ``.dump`` for PostgreSQL."""
    suffix = ".db" if _backend(url) == "sqlite" else ".dump"
    return f"hypercare-{_stamp()}{suffix}"


def _backend(url: str) -> str:
    try:
        name = make_url(url).get_backend_name()
    except Exception as exc:  # make_url raises several types
        raise BackupError(f"store.url: {url!r} is not a database URL") from exc
    if name not in ("sqlite", "postgresql"):
        raise BackupError(
            f"store.url: backup and restore support SQLite and PostgreSQL, not {name!r}; "
            "use the database's own tools"
        )
    return name


def check_revisions(revisions: list[str], label: str) -> None:
    """Refuse a backup whose schema this version of Hypercare does not know (a newer one)."""
    if not revisions:
        raise BadBackup(f"{label}: not a Hypercare store (its schema version is empty)")
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    for revision in revisions:
        try:
            known = script.get_revision(revision)
        except CommandError:
            known = None
        if known is None:
            raise BadBackup(
                f"{label}: written by a newer version of Hypercare (schema revision "
                f"{revision!r} is unknown to this one); upgrade Hypercare, then restore"
            )


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("store.url: an in-memory SQLite store cannot be backed up or restored")
    return Path(database)


def _magic(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(16)


def inspect_sqlite_backup(path: Path) -> list[str]:
    """Check a SQLite backup file: intact, a Hypercare store, a schema this version knows.

    Returns its schema revisions; raises BackupError naming the file otherwise.
    """
    if not path.is_file():
        raise BadBackup(f"{path}: no such file")
    head = _magic(path)
    if head.startswith(PGDUMP_MAGIC):
        raise BadBackup(
            f"{path}: a PostgreSQL dump; restore it into a PostgreSQL store (store.url)"
        )
    if not head.startswith(SQLITE_MAGIC):
        raise BadBackup(f"{path}: not a SQLite database, so not a Hypercare backup")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BadBackup(f"{path}: cannot be opened ({exc})") from exc
    try:
        try:
            check = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:
            raise BadBackup(f"{path}: damaged ({exc})") from exc
        if check != ["ok"]:
            raise BadBackup(f"{path}: damaged (integrity check: {'; '.join(check[:3])})")
        missing = [t for t in _CORE_TABLES if t not in tables]
        if missing:
            raise BadBackup(f"{path}: not a Hypercare store (no {', '.join(missing)} table)")
        revisions = [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]
    finally:
        conn.close()
    check_revisions(revisions, str(path))
    return sorted(revisions)


def _row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    counts = {}
    for table in sorted(Base.metadata.tables):
        try:
            counts[table] = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        except sqlite3.OperationalError:
            continue  # a table of a revision the store has not reached
    return counts


def backup_sqlite(url: str, dest: Path) -> BackupResult:
    """Copy the SQLite store at ``url`` to ``dest`` with the online backup API."""
    started = time.perf_counter()
    source_path = _sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"store.url: {source_path} does not exist; nothing to back up")
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(source_path, timeout=30)
        dst = sqlite3.connect(partial)
        try:
            # One step: the copy is one consistent snapshot, however busy the collectors are.
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            rows = _row_counts(dst)
        finally:
            dst.close()
            src.close()
    except sqlite3.DatabaseError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"{source_path}: cannot be backed up ({exc})") from exc
    try:
        revisions = inspect_sqlite_backup(partial)
    except BackupError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"{source_path}: the store itself is not sound: {exc}") from exc
    partial.replace(dest)
    return BackupResult(
        dest, "sqlite", dest.stat().st_size, revisions, time.perf_counter() - started, rows
    )


def restore_sqlite(url: str, backup: Path) -> RestoreResult:
    """Replace the SQLite store at ``url`` by ``backup``; the old store is moved aside."""
    started = time.perf_counter()
    revisions = inspect_sqlite_backup(backup)
    target = _sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    incoming = target.with_name(target.name + ".restoring")
    incoming.unlink(missing_ok=True)
    src = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(incoming)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()
    inspect_sqlite_backup(incoming)
    kept: Path | None = None
    if target.exists():
        kept = target.with_name(f"{target.name}.before-restore-{_stamp()}")
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{target}{suffix}")
            if part.exists():
                part.replace(Path(f"{kept}{suffix}"))
    incoming.replace(target)
    _upgrade(url)
    return RestoreResult(backup, "sqlite", revisions, kept, time.perf_counter() - started)


def _upgrade(url: str) -> None:
    """Bring a restored store from an older Hypercare up to this version's schema."""
    try:
        open_store(url).dispose()
    except StoreError as exc:
        raise BackupError(f"the backup was restored but cannot be opened: {exc}") from exc


# --- PostgreSQL -----------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools at the server's "
            "major version or newer (Debian/Ubuntu: apt install postgresql-client; "
            "macOS: brew install libpq; Windows: the PostgreSQL installer's command line tools)"
        )
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and an environment carrying it."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        detail = "; ".join(lines[:3]) or f"exit status {result.returncode}"
        raise BackupError(f"{what} failed: {detail}")
    return result


def _archive_tables(path: Path, env: dict[str, str]) -> set[str]:
    listing = _run([_pg_tool("pg_restore"), "--list", str(path)], env, f"{path}: pg_restore --list")
    tables = set()
    for line in listing.stdout.splitlines():
        if line.startswith(";"):
            continue
        parts = line.split()
        # "215; 1259 16390 TABLE public people postgres"
        if len(parts) >= 6 and parts[3] == "TABLE" and parts[4] != "DATA":
            tables.add(parts[5])
    return tables


def inspect_pg_backup(path: Path) -> list[str]:
    """Check a pg_dump archive: readable, a Hypercare store, a schema this version knows."""
    if not path.is_file():
        raise BadBackup(f"{path}: no such file")
    head = _magic(path)
    if head.startswith(SQLITE_MAGIC):
        raise BadBackup(f"{path}: a SQLite backup; restore it into a SQLite store (store.url)")
    if not head.startswith(PGDUMP_MAGIC):
        raise BadBackup(f"{path}: not a pg_dump custom-format archive, so not a Hypercare backup")
    env = dict(os.environ)
    tables = _archive_tables(path, env)
    missing = [t for t in _CORE_TABLES if t not in tables]
    if missing:
        raise BadBackup(f"{path}: not a Hypercare store (no {', '.join(missing)} table)")
    data = _run(
        [_pg_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)],
        env,
        f"{path}: reading its schema version",
    ).stdout
    revisions: list[str] = []
    in_copy = False
    for line in data.splitlines():
        if line.startswith("COPY ") and "alembic_version" in line:
            in_copy = True
        elif in_copy and line == "\\.":
            in_copy = False
        elif in_copy and line.strip():
            revisions.append(line.strip())
    check_revisions(revisions, str(path))
    return sorted(revisions)


def backup_pg(url: str, dest: Path) -> BackupResult:
    """``pg_dump --format=custom`` of the store at ``url`` into ``dest``, then checked."""
    started = time.perf_counter()
    pg_dump = _pg_tool("pg_dump")
    conninfo, env = _libpq(url)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _run(
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={partial}",
                f"--dbname={conninfo}",
            ],
            env,
            "pg_dump",
        )
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    try:
        revisions = inspect_pg_backup(partial)
    except BackupError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(
            f"{make_url(url).database}: the store itself is not sound: {exc}"
        ) from exc
    rows = _pg_row_counts(url)
    partial.replace(dest)
    return BackupResult(
        dest, "postgresql", dest.stat().st_size, revisions, time.perf_counter() - started, rows
    )


def _pg_row_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            present = set(
                conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
                ).scalars()
            )
            return {
                t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one())
                for t in sorted(Base.metadata.tables)
                if t in present
            }
    finally:
        engine.dispose()


def restore_pg(url: str, backup: Path, keep_dir: Path) -> RestoreResult:
    """Replace the PostgreSQL store at ``url`` by ``backup``; the current one is dumped aside.

    ``pg_restore --clean --if-exists --single-transaction``: all of the backup or nothing.
    Hypercare tables the backup does not have (a newer schema's) are dropped after, so that the
    migrations bring the restored store up to date.
    """
    started = time.perf_counter()
    revisions = inspect_pg_backup(backup)
    conninfo, env = _libpq(url)
    kept = keep_dir / f"before-restore-{make_url(url).database}-{_stamp()}.dump"
    try:
        _run(
            [
                _pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={kept}",
                f"--dbname={conninfo}",
            ],
            env,
            "dumping the current database aside (the restore did not start)",
        )
    except BackupError:
        kept.unlink(missing_ok=True)
        raise
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--dbname={conninfo}",
            str(backup),
        ],
        env,
        f"pg_restore of {backup} (the database is as it was; a copy is in {kept})",
    )
    in_backup = _archive_tables(backup, env)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            present = set(
                conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
                ).scalars()
            )
            for table in sorted(present & set(Base.metadata.tables) - in_backup):
                conn.execute(text(f'DROP TABLE "{table}" CASCADE'))
    finally:
        engine.dispose()
    _upgrade(url)
    return RestoreResult(backup, "postgresql", revisions, kept, time.perf_counter() - started)


# --- entry points ---------------------------------------------------------------------------


def backup_store(url: str, dest: Path) -> BackupResult:
    """Back the store at ``url`` up into ``dest`` (a new file) and verify the copy."""
    backend = _backend(url)
    if dest.exists():
        raise BadBackup(f"{dest}: already exists; choose another file or remove it")
    if not dest.parent.is_dir():
        raise BadBackup(f"{dest}: the folder {dest.parent} does not exist")
    if backend == "sqlite":
        return backup_sqlite(url, dest)
    return backup_pg(url, dest)


def restore_store(url: str, backup: Path, keep_dir: Path | None = None) -> RestoreResult:
    """Restore ``backup`` into the store at ``url``; the replaced store is kept, not deleted.

    ``keep_dir`` is where a PostgreSQL database is dumped before it is replaced (default: the
    backup's folder); a SQLite store is renamed beside itself.
    """
    if _backend(url) == "sqlite":
        return restore_sqlite(url, backup)
    return restore_pg(url, backup, keep_dir or backup.resolve().parent)


def inspect_backup(path: Path) -> list[str]:
    """The schema revisions of a backup file of either kind (checked as a restore would)."""
    if path.is_file() and _magic(path).startswith(PGDUMP_MAGIC):
        return inspect_pg_backup(path)
    return inspect_sqlite_backup(path)
