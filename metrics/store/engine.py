"""Opening the store: engine set-up (SQLite WAL, PostgreSQL by URL) and automatic migrations."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class StoreError(Exception):
    """The store cannot be opened: a bad URL or an unreachable server (a user-facing message)."""


@dataclass
class Store:
    """An open metrics store: its engine and a session factory."""

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self.sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# libpq parameters of every PostgreSQL connection unless the store URL sets them: give up on a
# connection attempt after 10 s; probe an idle connection after 30 s, then every 10 s, dropping it
# after 3 unanswered probes; drop a connection whose sent data stays unacknowledged for 60 s.
PG_CONNECT_DEFAULTS: dict[str, int] = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 60_000,
}


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; SQLite files get WAL mode and a busy timeout."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(
            f"store.url: {url!r} is not a database URL "
            "(expected e.g. sqlite:///hypercare.db or postgresql+psycopg://user@host/db)"
        ) from exc
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A server that stops answering (a dropped network, a stalled host) fails the command after
    # these delays instead of hanging it; a parameter in the URL's query wins.
    defaults = {k: v for k, v in PG_CONNECT_DEFAULTS.items() if k not in parsed.query}
    try:
        return create_engine(parsed, pool_pre_ping=True, connect_args=defaults)
    except Exception as exc:  # a missing driver or a bad dialect name
        raise StoreError(f"store.url: cannot use {parsed.drivername!r}: {exc}") from exc


def _alembic_config(connection) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def head_revisions() -> frozenset[str]:
    """The newest migration revisions shipped with this version of Hypercare.

    Migrations may branch (two features each adding their tables after the same revision); the
    store is current when it is at every head.
    """
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return frozenset(script.get_heads())


def current_revisions(engine: Engine) -> frozenset[str]:
    """The revisions the database is at (empty for an empty database)."""
    with engine.connect() as conn:
        return frozenset(MigrationContext.configure(conn).get_current_heads())


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Serialize migrations between processes that open the same store at once."""
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        lock_path = Path(f"{engine.url.database}.migrate.lock")
        with open(lock_path, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    elif engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(7281946)"))
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(7281946)"))
                conn.commit()
    else:
        yield


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is already there)."""
    heads = head_revisions()
    if current_revisions(engine) == heads:
        return
    with _migration_lock(engine):
        if current_revisions(engine) == heads:
            return
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                # pysqlite runs DDL outside any transaction until a DML statement opens one: a
                # process killed mid-upgrade left tables without their alembic_version row, and
                # every later open failed ("table … already exists"). One explicit transaction
                # makes the upgrade all or nothing, as it is on PostgreSQL.
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            command.upgrade(_alembic_config(conn), "heads")


def open_store(url: str, *, upgrade: bool = True) -> Store:
    """Open the store at ``url`` and apply pending migrations.

    Raises StoreError with a readable message when the database cannot be reached.
    """
    engine = make_engine(url)
    try:
        if upgrade:
            migrate(engine)
        else:
            with engine.connect():
                pass
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        check = (
            "that its folder exists and may be written"
            if engine.dialect.name == "sqlite"
            else "that the database server is up and reachable and that the URL is right"
        )
        raise StoreError(
            f"store.url: cannot open {engine.url!r}: {reason}. Check {check}, then run the "
            "command again."
        ) from exc
    return Store(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
