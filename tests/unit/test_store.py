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


def test_upgrade_fills_the_newest_day_of_usage_files(store_url):
    import datetime as dt

    from alembic import command
    from sqlalchemy import text

    from metrics.store.engine import _alembic_config, make_engine, migrate

    engine = make_engine(store_url)
    stamp = dt.datetime(2026, 5, 31, 10, tzinfo=dt.UTC)
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "0080_rollup_durations")
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO ingest_runs (id, started_at, status) VALUES (1, :ts, 'ok')"),
                {"ts": stamp},
            )
            conn.execute(
                text(
                    "INSERT INTO ingest_files (id, run_id, source, kind, path, checksum, "
                    "size_bytes, rows_read, accepted, duplicates, quarantined, status, "
                    "started_at) VALUES "
                    "(1, 1, 'u', 'usage', 'a.csv', 'x', 1, 2, 2, 0, 0, 'ok', :ts), "
                    "(2, 1, 'u', 'usage', 'b.csv', 'y', 1, 0, 0, 0, 0, 'ok', :ts)"
                ),
                {"ts": stamp},
            )
            conn.execute(
                text(
                    "INSERT INTO usage_events (event_key, source, file_id, ts, day, user_key) "
                    "VALUES (1, 'u', 1, :ts, :d1, 'p1'), (2, 'u', 1, :ts, :d2, 'p1')"
                ),
                {"ts": stamp, "d1": dt.date(2026, 5, 30), "d2": dt.date(2026, 5, 31)},
            )
        migrate(engine)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, newest_day FROM ingest_files ORDER BY id")).all()
        assert [(r[0], str(r[1])) for r in rows] == [(1, "2026-05-31"), (2, "None")]
    finally:
        engine.dispose()
