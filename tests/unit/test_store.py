"""The store: migrations applied on open, idempotent, and matching the models."""

import datetime as dt

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from metrics.store import open_store
from metrics.store.engine import (
    _alembic_config,
    current_revisions,
    head_revisions,
    make_engine,
    migrate,
)
from metrics.store.models import Base

STAMP = dt.datetime(2026, 5, 31, 10, tzinfo=dt.UTC)


def upgraded(url: str, revision: str, query: str, *inserts: tuple[str, dict]) -> list:
    """The rows of ``query`` once a store at ``revision``, holding what ``inserts`` (SQL,
    parameters) wrote, is upgraded to the newest revision."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), revision)
        with engine.begin() as conn:
            for sql, params in inserts:
                conn.execute(text(sql), params)
        migrate(engine)
        with engine.connect() as conn:
            return conn.execute(text(query)).all()
    finally:
        engine.dispose()


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
    events = (
        "INSERT INTO usage_events (event_key, source, ts, day, user_key, feature, action, "
        "outcome) VALUES (1, 's', :ts, :day, 'p1', 'invoice', 'invoice.create', 'ok'), "
        "(2, 's', :ts, :day, 'p1', NULL, NULL, 'error')"
    )
    rows = upgraded(
        store_url,
        "0004",
        "SELECT person_key, feature, action, events, ok_events, error_events "
        "FROM usage_daily_feature ORDER BY feature",
        (events, {"ts": STAMP, "day": STAMP.date()}),
    )
    assert [tuple(r) for r in rows] == [
        ("p1", "", "", 1, 0, 1),
        ("p1", "invoice", "invoice.create", 1, 1, 0),
    ]


def test_upgrade_fills_the_rollup_durations_from_stored_events(store_url):
    events = (
        "INSERT INTO usage_events (event_key, source, ts, day, user_key, feature, action, "
        "outcome, duration_ms) VALUES "
        "(1, 's', :ts, :day, 'p1', 'invoice', 'invoice.create', 'ok', :inexact),"
        "(2, 's', :ts, :day, 'p1', 'invoice', 'invoice.create', 'ok', 1250),"
        "(3, 's', :ts, :day, 'p1', 'invoice', 'invoice.create', 'ok', NULL),"
        "(4, 's', :ts, :day, 'p1', NULL, NULL, 'error', NULL)"
    )
    # 0.1 + 0.2 = 0.30000000000000004: not exact in 15 digits
    params = {"ts": STAMP, "day": STAMP.date(), "inexact": 0.1 + 0.2}
    rows = upgraded(
        store_url,
        "0070_scale_indexes",
        "SELECT feature, events, durations FROM usage_daily_feature ORDER BY feature",
        (events, params),
    )
    assert [(r[0], r[1]) for r in rows] == [("", 1), ("invoice", 3)]
    assert rows[0][2] is None  # no duration: NULL, not '0'
    assert sorted(float(v) for v in rows[1][2].split(",")) == [0.30000000000000004, 1250.0]


def test_upgrade_fills_the_newest_day_of_usage_files(store_url):
    run = ("INSERT INTO ingest_runs (id, started_at, status) VALUES (1, :ts, 'ok')", {"ts": STAMP})
    files = (
        "INSERT INTO ingest_files (id, run_id, source, kind, path, checksum, size_bytes, "
        "rows_read, accepted, duplicates, quarantined, status, started_at) VALUES "
        "(1, 1, 'u', 'usage', 'a.csv', 'x', 1, 2, 2, 0, 0, 'ok', :ts), "
        "(2, 1, 'u', 'usage', 'b.csv', 'y', 1, 0, 0, 0, 0, 'ok', :ts)",
        {"ts": STAMP},
    )
    events = (
        "INSERT INTO usage_events (event_key, source, file_id, ts, day, user_key) "
        "VALUES (1, 'u', 1, :ts, :d1, 'p1'), (2, 'u', 1, :ts, :d2, 'p1')",
        {"ts": STAMP, "d1": dt.date(2026, 5, 30), "d2": dt.date(2026, 5, 31)},
    )
    rows = upgraded(
        store_url,
        "0080_rollup_durations",
        "SELECT id, newest_day FROM ingest_files ORDER BY id",
        run,
        files,
        events,
    )
    assert [(r[0], str(r[1])) for r in rows] == [(1, "2026-05-31"), (2, "None")]
