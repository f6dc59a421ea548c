"""The SQL source: a query read incrementally by its watermark, on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from sqlalchemy import create_engine, func, select, text

import collectors.run as run_module
from collectors.run import collect
from hypercare.config import ConfigError, load_config
from metrics.store import open_store
from metrics.store.models import IngestFile, SourceCursor, UsageEvent

SOURCE = """
sources:
  - name: saas
    kind: usage
    format: sql
    {where}
    query: "SELECT logged_at, login, action, ok FROM activity WHERE login <> 'robot'"
    watermark: logged_at
    columns: {{ts: logged_at, user: login, action: action, outcome: ok}}
    values: {{outcome: {{'1': ok, '0': error, 'true': ok, 'false': error}}}}
"""


def make_source(url):
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS activity"))
        conn.execute(
            text(
                "CREATE TABLE activity (id INTEGER PRIMARY KEY, logged_at TIMESTAMP, "
                "login VARCHAR(50), action VARCHAR(50), ok BOOLEAN)"
            )
        )
    return engine


def add(engine, *rows):
    with engine.begin() as conn:
        for row in rows:
            conn.execute(
                text(
                    "INSERT INTO activity (id, logged_at, login, action, ok) "
                    "VALUES (:id, :at, :login, :action, :ok)"
                ),
                row,
            )


def row(i, minute, login="u1", ok=True):
    at = dt.datetime(2026, 5, 31, 10, minute)
    return {"id": i, "at": at, "login": login, "action": f"a{i}", "ok": ok}


def outcome_of(config, store):
    ((f,),) = [o.files for o in collect(config, store)]
    return f


def events(store):
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(UsageEvent))


def cursor(store):
    with store.session() as session:
        c = session.get(SourceCursor, "saas")
        return None if c is None else (c.value_type, c.value)


@pytest.fixture
def sqlite_source(tmp_path):
    url = f"sqlite:///{tmp_path / 'saas.db'}"
    return url, make_source(url)


def check_incremental(config, store, engine):
    add(engine, row(1, 0), row(2, 1, ok=False), row(3, 2), row(4, 2, login="robot"))
    f = outcome_of(config, store)
    assert (f.status, f.read, f.accepted, f.duplicates, f.quarantined) == ("ok", 3, 3, 0, 0)
    assert cursor(store)[1].startswith("2026-05-31")

    # Two new rows, one in the same minute as the last one read: the boundary is inclusive, so
    # the row at 10:02 is read again and counted as a duplicate, and nothing is missed.
    add(engine, row(5, 2, login="u2"), row(6, 5))
    f = outcome_of(config, store)
    assert (f.read, f.accepted, f.duplicates) == (3, 2, 1)
    assert events(store) == 5

    # Nothing new: only the boundary row is read again.
    f = outcome_of(config, store)
    assert (f.read, f.accepted, f.duplicates) == (1, 0, 1)
    assert events(store) == 5


def test_incremental_sqlite_source(store_url, make_config, sqlite_source):
    url, engine = sqlite_source
    config = load_config(make_config(SOURCE.format(where=f"url: '{url}'"), store=store_url))
    store = open_store(config.store_url)
    try:
        check_incremental(config, store, engine)
        with store.session() as session:
            paths = set(session.scalars(select(IngestFile.path)))
        assert paths == {f"sql:{url}"}
    finally:
        store.dispose()
        engine.dispose()


def test_incremental_postgresql_source_from_the_environment(
    tmp_path, make_config, pg_url, monkeypatch
):
    engine = make_source(pg_url)
    monkeypatch.setenv("SAAS_DB_URL", pg_url)
    config = load_config(make_config(SOURCE.format(where="url_env: SAAS_DB_URL")))
    store = open_store(config.store_url)
    try:
        check_incremental(config, store, engine)
    finally:
        store.dispose()
        engine.dispose()


def test_cursor_in_the_future_reads_nothing_and_stays(make_config, sqlite_source):
    url, engine = sqlite_source
    config = load_config(make_config(SOURCE.format(where=f"url: '{url}'")))
    store = open_store(config.store_url)
    try:
        add(engine, row(1, 0))
        outcome_of(config, store)
        with store.session() as session:
            session.get(SourceCursor, "saas").value = "2030-01-01T00:00:00"
        f = outcome_of(config, store)
        assert (f.read, f.accepted) == (0, 0)
        assert cursor(store)[1] == "2030-01-01T00:00:00"  # not moved back
    finally:
        store.dispose()
        engine.dispose()


def test_crash_before_the_cursor_is_committed_equals_one_clean_run(
    store_url, make_config, sqlite_source, monkeypatch
):
    url, engine = sqlite_source
    config = load_config(make_config(SOURCE.format(where=f"url: '{url}'"), store=store_url))
    store = open_store(config.store_url)
    try:
        add(engine, *(row(i, i) for i in range(1, 8)))
        original = run_module._read_rows

        def crash_after_rows(*args, **kwargs):
            original(*args, **kwargs)
            raise RuntimeError("killed after the rows, before the cursor")

        monkeypatch.setattr(run_module, "_read_rows", crash_after_rows)
        with pytest.raises(RuntimeError):
            collect(config, store)
        assert events(store) == 0 and cursor(store) is None
        monkeypatch.setattr(run_module, "_read_rows", original)
        f = outcome_of(config, store)
        assert (f.read, f.accepted) == (7, 7)
    finally:
        store.dispose()
        engine.dispose()


def test_query_errors_fail_the_source_with_a_message(make_config, sqlite_source):
    url, engine = sqlite_source
    body = SOURCE.format(where=f"url: '{url}'").replace("FROM activity", "FROM nowhere")
    config = load_config(make_config(body))
    store = open_store(config.store_url)
    try:
        f = outcome_of(config, store)
        assert f.status == "failed"
        assert f.error.startswith("sources[0].query: the query failed on sql:sqlite:///")
        assert "no such table: nowhere" in f.error
    finally:
        store.dispose()
        engine.dispose()


def test_missing_environment_variable(make_config):
    config = load_config(make_config(SOURCE.format(where="url_env: NOT_SET_ANYWHERE")))
    store = open_store(config.store_url)
    try:
        f = outcome_of(config, store)
        assert f.status == "failed"
        assert "NOT_SET_ANYWHERE is not set" in f.error
    finally:
        store.dispose()


def test_sql_config_errors(make_config):
    path = make_config(
        """
        sources:
          - {name: a, kind: usage, format: sql, query: "SELECT 1", watermark: "x; DROP"}
          - {name: b, kind: usage, format: sql, url: "postgresql://u:pw@h/db", query: " "}
          - {name: c, kind: usage, path: c.csv, query: "SELECT 1"}
        """
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text_ = str(info.value)
    assert "sources[0] (a): a sql source needs url" in text_
    assert "sources[0] (a).watermark: expected a column name" in text_
    assert "sources[1] (b).url: a password does not belong in the config file" in text_
    assert "pw" not in text_.replace("pw@", "")  # the password itself is never printed…
    assert "sources[1] (b).query: expected the SELECT to run" in text_
    assert "sources[2] (c).query: only a source with format: sql has a query" in text_
