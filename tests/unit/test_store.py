"""The store: migrations applied on open, idempotent, and matching the models."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from metrics.store import open_store
from metrics.store.engine import current_revision, head_revision
from metrics.store.models import Base


def test_open_migrates_to_head_and_models_match(store_url):
    store = open_store(store_url)
    try:
        assert current_revision(store.engine) == head_revision()
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], "models and migrations differ: add a migration"
        open_store(store_url).dispose()  # a second open is a no-op
        tables = set(inspect(store.engine).get_table_names())
        assert {"people", "usage_events", "usage_daily", "ingest_files", "quarantine"} <= tables
    finally:
        store.dispose()


def test_sqlite_uses_wal(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'w.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.dispose()
