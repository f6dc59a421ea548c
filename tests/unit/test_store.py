"""The store: migrations applied on open, idempotent, and matching the models."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from metrics.store import open_store
from metrics.store.engine import current_revisions, head_revisions
from metrics.store.models import Base


def test_open_migrates_to_head_and_models_match(store_url):
    store = open_store(store_url)
    try:
        assert current_revisions(store.engine) == head_revisions()
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


def test_upgrade_fills_the_feature_rollup_from_stored_events(store_url):
    import datetime as dt

    from alembic import command
    from sqlalchemy import text

    from metrics.store.engine import _alembic_config, make_engine, migrate

    engine = make_engine(store_url)
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "0004")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO usage_events (event_key, source, ts, day, user_key, feature, "
                    "action, outcome) VALUES (1, 's', :ts, :day, 'p1', 'invoice', "
                    "'invoice.create', 'ok'), (2, 's', :ts, :day, 'p1', NULL, NULL, 'error')"
                ),
                {"ts": dt.datetime(2026, 5, 31, 10, tzinfo=dt.UTC), "day": dt.date(2026, 5, 31)},
            )
        migrate(engine)
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT person_key, feature, action, events, ok_events, error_events "
                    "FROM usage_daily_feature ORDER BY feature"
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            ("p1", "", "", 1, 0, 1),
            ("p1", "invoice", "invoice.create", 1, 1, 0),
        ]
    finally:
        engine.dispose()
