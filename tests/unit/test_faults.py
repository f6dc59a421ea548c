"""Faults: `hypercare collect` killed at random points, two collectors at once, the store lost.

Each test collects one large-ish company (the demo's roster, four monthly usage CSVs, a Google
Forms survey, a Jira export and meeting notes, plus an application-error JSONL, two web access
logs and a SQL source read by its watermark) and compares the store it ends with against one
clean run into a fresh store of the same engine: a canonical dump of every data table (without
surrogate ids, file and run ids or the run's own timestamps), the quarantine, the cursors and
the ledger.

``HYPERCARE_FAULT_KILLS`` (default 20) sets how many times the SQLite kill test kills the
collector, ``HYPERCARE_FAULT_KILLS_PG`` (default 6) the PostgreSQL one; ``HYPERCARE_FAULT_SEED``
picks other kill points (default 1). See docs/security.md, "Faults".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, make_url, select, text
from tcp_proxy import TcpProxy

from hypercare.demo.company import write_demo_company
from hypercare.demo.feedback import write_demo_feedback
from metrics.store import engine as engine_module
from metrics.store import open_store
from metrics.store.engine import current_revisions, head_revisions, make_engine
from metrics.store.models import Base

HYPERCARE = str(Path(sys.executable).parent / "hypercare")
TODAY = dt.date(2026, 6, 1)

KILLS = int(os.environ.get("HYPERCARE_FAULT_KILLS", "20"))
KILLS_PG = int(os.environ.get("HYPERCARE_FAULT_KILLS_PG", "6"))
SEED = int(os.environ.get("HYPERCARE_FAULT_SEED", "1"))

# Columns that name a run rather than the data: surrogate ids, the ledger entry a row came from,
# and the time a run wrote a row.
RUN_COLUMNS = {"id", "file_id", "run_id"}
RUN_TIMESTAMPS = {
    "quarantine": {"created_at"},
    "people": {"updated_at"},
    "source_cursors": {"updated_at"},
    "source_status": {"last_run_at", "last_success_at", "last_error_at"},
}
# A reference to another table's surrogate id is compared by that row's natural key.
NATURAL_KEYS = {"survey_responses": "response_key"}
LEDGER_TABLES = {"ingest_runs", "ingest_files", "alembic_version"}


# --------------------------------------------------------------------------- the data set

SOURCES = """
sources:
  - name: annuaire
    kind: roster
    format: csv
    path: data/annuaire.csv
    csv: {delimiter: ";", encoding: utf-8-sig, decimal: ","}
    dates: {dayfirst: true, timezone: Europe/Paris}
    columns: {user: Matricule, email: E-mail, team: Service, wave: Vague, go_live: Mise en service,
              licensed: Licence, ambassador: Ambassadeur}
    values: {licensed: {Oui: true, Non: false}, ambassador: {Oui: true, Non: false}}
  - name: usage
    kind: usage
    format: csv
    path: data/usage/usage_2026-0[3-6].csv
    csv: {delimiter: ";", encoding: utf-8-sig, decimal: ","}
    dates: {dayfirst: true, timezone: Europe/Paris}
    columns: {ts: Date, user: Utilisateur, feature: Module, action: Action, outcome: Statut,
              duration_ms: Durée (ms)}
    values: {outcome: {OK: ok, Erreur: error}}
  - name: web
    kind: usage
    format: access-log
    path: data/logs/access.log*
  - name: app-errors
    kind: errors
    format: jsonl
    path: data/logs/app.jsonl
    columns: {ts: asctime, level: levelname, module: name, message: message, user: user}
  - name: saas
    kind: usage
    format: sql
    url: "sqlite:///{saas_db}"
    query: "SELECT logged_at, login, action, ok FROM activity"
    watermark: logged_at
    columns: {{ts: logged_at, user: login, action: action, outcome: ok}}
    values: {{outcome: {{'1': ok, '0': error}}}}
"""


def write_company(root: Path) -> str:
    """Write the exports under ``root/data``; return the ``sources:`` part of the config."""
    data = root / "data"
    write_demo_company(data, TODAY)
    feedback = write_demo_feedback(data, TODAY)
    last_month = data / "usage" / "usage_2026-06.csv"
    lines = last_month.read_text(encoding="utf-8-sig").splitlines()
    with open(last_month, "a", encoding="utf-8") as handle:  # a repeated row and a bad one
        handle.write(f"{lines[-1]}\n31/02/2026 10:00:00;E0001;Factures;invoice.create;OK;12\n")
    rng = random.Random(5)
    logs = data / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    users = [f"E{n:04d}" for n in range(1, 120)]
    start = dt.datetime(2026, 3, 1, 8, 0)
    with open(logs / "app.jsonl", "w", encoding="utf-8") as handle:
        for i in range(3000):
            at = start + dt.timedelta(seconds=97 * i)
            entry = {
                "asctime": at.strftime("%Y-%m-%d %H:%M:%S,") + f"{i % 1000:03d}",
                "levelname": rng.choice(["ERROR", "WARNING", "ERROR", "CRITICAL"]),
                "name": rng.choice(["billing", "sync", "pdf", "auth"]),
                "message": f"failure {i} in step {rng.randint(1, 40)}",
                "user": rng.choice(users),
            }
            handle.write(json.dumps(entry) + "\n")
            if i % 1500 == 7:
                handle.write('{"asctime": "2026-03-02 10:00:00,000", "levelname": "ERR\n')
    for name, offset in (("access.log.1", 0), ("access.log", 4000)):
        with open(logs / name, "w", encoding="utf-8") as handle:
            for i in range(offset, offset + 4000):
                at = start + dt.timedelta(seconds=41 * i)
                status = rng.choice([200, 200, 200, 302, 404, 500])
                handle.write(
                    f"10.0.{i % 7}.{i % 200} - - [{at:%d/%b/%Y:%H:%M:%S} +0100] "
                    f'"GET /invoices/{i % 900}/pdf HTTP/1.1" {status} {100 + i % 5000} '
                    f'"-" "Mozilla/5.0 ({i % 13})"\n'
                )
                if i % 3000 == 11:
                    handle.write("this is not a log line\n")
    saas_db = data / "saas.db"
    saas_db.unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(saas_db)) as conn:
        conn.execute("CREATE TABLE activity (logged_at TEXT, login TEXT, action TEXT, ok TEXT)")
        conn.executemany(
            "INSERT INTO activity VALUES (?, ?, ?, ?)",
            [
                (
                    (start + dt.timedelta(seconds=53 * i)).isoformat(sep=" "),
                    rng.choice(users),
                    f"api.call{i % 17}",
                    "0" if i % 23 == 0 else ("maybe" if i == 999 else "1"),
                )
                for i in range(3000)
            ],
        )
        conn.commit()
    head, tail = SOURCES.split("  - name: saas\n")
    return head + "  - name: saas\n" + tail.format(saas_db=saas_db) + feedback.sources_yaml("data")


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The exports, written once for the module: (folder, ``sources:`` YAML)."""
    root = tmp_path_factory.mktemp("company")
    return root, write_company(root)


def write_config(company: tuple[Path, str], url: str, name: str) -> Path:
    """A config next to the exports, on the store ``url`` (a password goes in the environment,
    ``HYPERCARE_DB_URL``, as the configuration docs ask)."""
    root, sources = company
    path = root / f"{name}.yaml"
    shown = make_url(url)._replace(password=None).render_as_string(hide_password=False)
    path.write_text(f"store:\n  url: {shown}\ntimezone: Europe/Paris\n{sources}", encoding="utf-8")
    return path


@contextlib.contextmanager
def pg_database(store_url: str) -> Iterator[str]:
    """Another empty database on the server of ``store_url`` (dropped on exit)."""
    url = make_url(store_url)
    name = f"hc_faults_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def new_store(store_url: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """More fresh stores on the engine of ``store_url``: ``new_store()`` returns a URL."""
    with contextlib.ExitStack() as stack:
        made = iter(range(1000))

        def make() -> str:
            if store_url.startswith("sqlite"):
                return f"sqlite:///{tmp_path / f'store-{next(made)}.db'}"
            return stack.enter_context(pg_database(store_url))

        yield make


# --------------------------------------------------------------------------- comparing stores


def run_collect(config: Path, url: str | None = None) -> subprocess.CompletedProcess:
    """`hypercare collect`; ``url`` (with its password) is passed in ``HYPERCARE_DB_URL``."""
    env = dict(os.environ)
    if url is not None:
        env["HYPERCARE_DB_URL"] = url
    return subprocess.run(
        [HYPERCARE, "collect", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


# Comma-separated lists whose order the database chooses (group_concat, string_agg).
UNORDERED = {("usage_daily_feature", "durations")}


def _sorted_list(value: str | None) -> str:
    return repr(value) if value is None else repr(sorted(float(v) for v in value.split(",")))


def canonical(url: str) -> dict[str, list[tuple[str, ...]]]:
    """Every data table's rows, sorted, without the columns that name a run."""
    engine = make_engine(url)
    dump: dict[str, list[tuple[str, ...]]] = {}
    try:
        with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                if table.name in LEDGER_TABLES:
                    continue
                skip = RUN_COLUMNS | RUN_TIMESTAMPS.get(table.name, set())
                columns = []
                joins = []
                for column in table.columns:
                    if column.name in skip:
                        continue
                    (fk,) = column.foreign_keys or [None]
                    target = fk.column.table if fk is not None else None
                    if target is not None and target.name not in LEDGER_TABLES:
                        natural = NATURAL_KEYS.get(target.name)
                        assert natural, f"{table.name}.{column.name}: add a natural key here"
                        alias = target.alias()
                        joins.append((alias, alias.c.id == column))
                        columns.append(alias.c[natural].label(column.name))
                    else:
                        columns.append(column)
                query = select(*columns).select_from(table)
                for alias, on in joins:
                    query = query.join(alias, on)
                rows = conn.execute(query).all()
                lists = [i for i, c in enumerate(columns) if (table.name, c.name) in UNORDERED]
                dump[table.name] = sorted(
                    tuple(_sorted_list(v) if i in lists else repr(v) for i, v in enumerate(row))
                    for row in rows
                )
    finally:
        engine.dispose()
    return dump


def ledger(url: str) -> tuple[list[dict], list[dict]]:
    """The ingest runs and files of a store, as dicts."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            meta = Base.metadata.tables
            runs = [dict(r._mapping) for r in conn.execute(select(meta["ingest_runs"])).all()]
            files = [dict(r._mapping) for r in conn.execute(select(meta["ingest_files"])).all()]
    finally:
        engine.dispose()
    return runs, files


def check_ledger(url: str) -> None:
    """The ledger adds up and counts no file twice; no data row belongs to an unfinished file."""
    runs, files = ledger(url)
    for f in files:
        where = f"ingest_files {f['source']}:{f['path']} (id {f['id']})"
        assert f["rows_read"] == f["accepted"] + f["duplicates"] + f["quarantined"], where
        assert f["status"] == "ok", f"{where}: {f['error']}"
        assert f["finished_at"] is not None, where
    done = Counter((f["source"], f["checksum"]) for f in files if not _pulled(f))
    twice = [key for key, count in done.items() if count > 1]
    assert not twice, f"files read twice: {twice}"
    assert all(r["status"] in ("ok", "running") for r in runs), runs
    ok_ids = {f["id"] for f in files}
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                if "file_id" in table.c and table.name not in LEDGER_TABLES:
                    ids = set(conn.scalars(select(table.c.file_id).distinct()))
                    stray = ids - ok_ids - {None}
                    assert not stray, f"{table.name}: rows of unfinished files {stray}"
    finally:
        engine.dispose()


def _pulled(f: dict) -> bool:
    return f["path"].startswith("sql:")


def file_counts(url: str) -> tuple[list[tuple], dict[str, tuple[int, int]]]:
    """Per file: (source, path, checksum, read, accepted, duplicates, quarantined), sorted; per
    pulled source (read again from its watermark each run): accepted and quarantined in all."""
    _, files = ledger(url)
    per_file = sorted(
        (
            f["source"],
            f["path"],
            f["checksum"],
            f["rows_read"],
            f["accepted"],
            f["duplicates"],
            f["quarantined"],
        )
        for f in files
        if not _pulled(f)
    )
    pulled: dict[str, tuple[int, int]] = {}
    for f in files:
        if _pulled(f):
            accepted, quarantined = pulled.get(f["source"], (0, 0))
            pulled[f["source"]] = (accepted + f["accepted"], quarantined + f["quarantined"])
    return per_file, pulled


def assert_same_store(url: str, clean: dict, clean_files: tuple) -> None:
    """``url`` holds what one clean run wrote (``clean`` and ``clean_files`` describe it)."""
    check_ledger(url)
    got = canonical(url)
    for table, rows in clean.items():
        if got[table] != rows:
            missing = Counter(rows) - Counter(got[table])
            extra = Counter(got[table]) - Counter(rows)
            pytest.fail(
                f"{table}: {len(got[table])} rows, the clean run has {len(rows)}; "
                f"missing {list(missing)[:3]}, extra {list(extra)[:3]}"
            )
    per_file, pulled = file_counts(url)
    clean_per_file, clean_pulled = clean_files
    assert per_file == clean_per_file
    assert pulled == clean_pulled


def clean_collect(company: tuple[Path, str], url: str) -> tuple[dict, tuple, float]:
    """One clean run into the empty store ``url``: its dump, its ledger counts, its duration."""
    config = write_config(company, url, "clean")
    started = time.monotonic()
    done = run_collect(config, url)
    duration = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    check_ledger(url)
    dump = canonical(url)
    assert len(dump["usage_events"]) > 40_000
    assert dump["quarantine"] and dump["error_events"] and dump["survey_responses"]
    assert dump["tickets"] and dump["meeting_notes"] and dump["source_cursors"]
    return dump, file_counts(url), duration


_CLEAN: dict[tuple[Path, str], tuple[dict, tuple, float]] = {}


@pytest.fixture
def clean_run(company, store_url, new_store) -> tuple[dict, tuple, float]:
    """One clean run into a fresh store of the engine under test (once per module and engine:
    the exports do not change)."""
    key = (company[0], make_url(store_url).get_backend_name())
    if key not in _CLEAN:
        _CLEAN[key] = clean_collect(company, new_store())
    return _CLEAN[key]


# --------------------------------------------------------------------------- kill -9


MIGRATION_LOCK = 7281946  # the advisory lock metrics.store.engine takes to migrate PostgreSQL


def migration_started(url: str) -> bool:
    """Whether a collector has begun to migrate the empty store ``url`` (it holds the lock)."""
    if url.startswith("sqlite"):
        return Path(f"{make_url(url).database}.migrate.lock").exists()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            held = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                f"AND objid = {MIGRATION_LOCK} AND granted"
            ).scalar()
    finally:
        engine.dispose()
    return bool(held)


def migration_time(url: str) -> float:
    """Seconds to migrate the empty store ``url`` (in this process)."""
    started = time.monotonic()
    open_store(url).dispose()
    return time.monotonic() - started


def phase_after_kill(url: str, migrating: bool) -> str:
    """Where a kill landed, judged from what the store holds afterwards (on PostgreSQL, a kill
    aimed at the migration that left the store unmigrated landed in it: the lock is gone)."""
    engine = make_engine(url)
    try:
        if url.startswith("sqlite") and not Path(engine.url.database).exists():
            return "before the store was opened"
        if current_revisions(engine) != head_revisions():
            if url.startswith("sqlite"):
                migrating = migration_started(url)
            return "during the migrations" if migrating else "before the migrations"
        _, files = ledger(url)
        return "before the first file" if not files else "between or in files"
    finally:
        engine.dispose()


def start_and_kill(config: Path, delay: float, url: str | None = None) -> tuple[bool, float]:
    """Start a collect and SIGKILL it after ``delay`` seconds — counted from the moment it
    starts to migrate the empty store ``url`` when given. Returns whether the kill landed
    (False: the run had finished first, with exit status 0), and how long the command took to
    begin the migration."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [HYPERCARE, "collect", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    while url is not None and proc.poll() is None and not migration_started(url):
        time.sleep(0.005)
    startup = time.monotonic() - started
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.stderr is not None
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.returncode in (0, -signal.SIGKILL), err
    return proc.returncode == -signal.SIGKILL, startup


def share_left(url: str, clean_files: tuple) -> float:
    """The share of the files' rows that the store ``url`` has not recorded yet."""
    engine = make_engine(url)
    try:
        if current_revisions(engine) != head_revisions():
            return 1.0
    finally:
        engine.dispose()
    per_file, _ = file_counts(url)
    total = sum(f[3] for f in clean_files[0])
    return 1 - sum(f[3] for f in per_file) / total


def test_kill_collect_at_random_points(store_url, company, new_store, clean_run):
    """SIGKILL `hypercare collect` at seeded random moments until KILLS kills have landed, in
    rounds that each start from an empty store: the first kill of a round lands while the store
    is being migrated, the next ones anywhere in a run. Each round ends with a run left to
    complete, whose store must equal the clean run's."""
    clean, clean_files, duration = clean_run
    kills = KILLS if store_url.startswith("sqlite") else KILLS_PG
    migrating = migration_time(new_store())
    rng = random.Random(SEED)
    phases: Counter[str] = Counter()
    landed = rounds = 0
    url = store_url
    startup = duration / 3
    started = time.monotonic()
    while landed < kills:
        rounds += 1
        config = write_config(company, url, f"round-{rounds}")
        for attempt in range(5):
            if landed == kills:
                break
            if attempt == 0:
                killed, startup = start_and_kill(config, rng.uniform(0, migrating), url)
            else:
                # Anywhere in what is left of the run: its start, then the files not read yet.
                left = startup + share_left(url, clean_files) * max(duration - startup, 0.5)
                killed, _ = start_and_kill(config, rng.uniform(0, left))
            if not killed:  # it finished first: this round is over
                break
            landed += 1
            phases[phase_after_kill(url, attempt == 0)] += 1
        done = run_collect(config)
        assert done.returncode == 0, done.stdout + done.stderr
        assert_same_store(url, clean, clean_files)
        url = new_store()
    elapsed = time.monotonic() - started
    print(
        f"\n{landed} kills in {rounds} rounds, {elapsed:.1f} s (a clean run {duration:.1f} s, "
        f"migrating {migrating:.2f} s): {dict(phases)}"
    )
    assert phases["between or in files"] >= kills // 4, phases


def test_a_migration_cut_short_leaves_the_store_as_it_was(store_url, monkeypatch):
    """A store whose first migration stops half-way (here after revision 0003, as a kill would)
    is left empty, not half-built: the next open migrates it whole. On SQLite the DDL used to
    run outside any transaction, and such a store could never be opened again."""
    real_upgrade = engine_module.command.upgrade

    def upgrade_then_die(config, revision):
        real_upgrade(config, "0003")
        raise RuntimeError("killed mid-migration")

    monkeypatch.setattr(engine_module.command, "upgrade", upgrade_then_die)
    with pytest.raises(RuntimeError):
        open_store(store_url)
    engine = make_engine(store_url)
    try:
        assert set(inspect(engine).get_table_names()) == set()
    finally:
        engine.dispose()
    monkeypatch.setattr(engine_module.command, "upgrade", real_upgrade)
    store = open_store(store_url)
    try:
        assert current_revisions(store.engine) == head_revisions()
    finally:
        store.dispose()


# --------------------------------------------------------------------------- two at once


def test_two_collectors_at_once_equal_one_clean_run(store_url, company, clean_run):
    """Two `hypercare collect` processes started together on an empty store (so they also race
    to migrate it) leave it as one clean run does; a third run adds nothing."""
    clean, clean_files, _ = clean_run
    config = write_config(company, store_url, "twice")
    procs = [
        subprocess.Popen(
            [HYPERCARE, "collect", "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, out + err
    assert_same_store(store_url, clean, clean_files)
    again = run_collect(config)
    assert again.returncode == 0, again.stdout + again.stderr
    assert_same_store(store_url, clean, clean_files)


# --------------------------------------------------------------------------- the store lost


PASSWORD = "pw-never-shown-42"


def proxied(url: str, port: int) -> str:
    """``url`` through the proxy's port, with a password (trust auth ignores it)."""
    return (
        make_url(url)
        .set(host="127.0.0.1", port=port, password=PASSWORD)
        .render_as_string(hide_password=False)
    )


def assert_clear_error(done: subprocess.CompletedProcess, url: str) -> None:
    """Exit status 1 and one paragraph on stderr that names the store but not its password."""
    err = done.stderr.strip()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in err and PASSWORD not in done.stdout + err, err
    assert "\n\n" not in err and err.startswith("hypercare: "), err
    parsed = make_url(url)
    assert f"{parsed.host}:{parsed.port}/{parsed.database}" in err, err


def assert_prefix_of_clean(url: str, clean: dict, clean_files: tuple) -> None:
    """After a failed run: the files recorded are whole, and every raw row is one the clean run
    has; the SQL source's cursor is there only with all of its rows."""
    check_ledger(url)
    got = canonical(url)
    for table in ("usage_events", "error_events", "quarantine", "people", "tickets"):
        extra = Counter(got[table]) - Counter(clean[table])
        assert not extra, f"{table}: rows the clean run does not have: {list(extra)[:3]}"
    per_file, _ = file_counts(url)
    assert set(per_file) <= set(clean_files[0])
    _runs, files = ledger(url)
    saas_done = [f for f in files if f["source"] == "saas"]
    assert bool(got["source_cursors"]) == bool(saas_done)
    if got["source_cursors"]:
        assert got["source_cursors"] == clean["source_cursors"]
        source = repr("saas")
        saas_rows = [r for r in got["usage_events"] if r[1] == source]
        assert len(saas_rows) == len([r for r in clean["usage_events"] if r[1] == source])


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_postgresql_lost_mid_run(store_url, company, new_store):
    """Collect through a TCP proxy to PostgreSQL and cut every connection mid-run: first as a
    restart (new connections accepted at once), then, in the next run, as an outage (refused
    until it ends). Each time the command fails with one clear paragraph and the store holds
    only whole files; once the server is back, the next run completes and equals a clean run."""
    target = make_url(store_url)
    with TcpProxy((target.host or "127.0.0.1", target.port or 5432)) as proxy:
        # The clean run goes through the proxy too, to learn how many bytes a whole run sends.
        clean, clean_files, _ = clean_collect(company, proxied(new_store(), proxy.port))
        whole = proxy.bytes_up
        url = proxied(store_url, proxy.port)
        config = write_config(company, url, "lost")
        recorded = 0
        for refuse in (False, True):
            proxy.cut_after(proxy.bytes_up + whole // 3, refuse=refuse)
            done = run_collect(config, url)
            assert proxy.cuts, f"the proxy never cut ({proxy.bytes_up} bytes sent)"
            proxy.cuts = 0
            assert_clear_error(done, url)
            assert_prefix_of_clean(store_url, clean, clean_files)
            files = len(ledger(store_url)[1])
            assert files > recorded, "a third of a run recorded no new file"
            recorded = files
        down = run_collect(config, url)  # still unreachable: refused at once
        assert_clear_error(down, url)
        assert "refused" in down.stderr
        proxy.accept()
        again = run_collect(config, url)
        assert again.returncode == 0, again.stdout + again.stderr
        assert_same_store(store_url, clean, clean_files)


def test_a_postgresql_server_that_does_not_answer_fails_the_command(tmp_path):
    """A host that accepts the connection and then says nothing (a stalled server, a network
    that drops packets) ends the command with the store error after ``connect_timeout``, instead
    of hanging it. Every connection gets the defaults of ``PG_CONNECT_DEFAULTS`` (keepalives and
    a TCP user timeout for a connection lost mid-run) unless the URL sets them."""
    import socket
    import time

    from sqlalchemy import event

    from metrics.store import StoreError, open_store
    from metrics.store.engine import PG_CONNECT_DEFAULTS

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshake; nobody ever reads or answers
    port = silent.getsockname()[1]
    try:
        started = time.monotonic()
        with pytest.raises(StoreError, match="timeout") as raised:
            open_store(f"postgresql+psycopg://postgres@127.0.0.1:{port}/test?connect_timeout=2")
        assert time.monotonic() - started < 10
        assert "database server is up and reachable" in str(raised.value)

        seen: dict = {}
        engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/test")

        @event.listens_for(engine, "do_connect")
        def record(dialect, connection_record, cargs, cparams):
            seen.update(cparams)
            raise ConnectionAbortedError("recorded")  # no need to wait for the timeout

        with pytest.raises(Exception, match="recorded"):
            engine.connect()
        engine.dispose()
        assert {k: seen[k] for k in PG_CONNECT_DEFAULTS} == PG_CONNECT_DEFAULTS
    finally:
        silent.close()


def test_a_pull_holds_sqlites_write_lock_before_it_reads_its_cursor(tmp_path):
    """Pulls (SQL, HTTP, Prometheus) read their stored cursor before they write: on SQLite the
    source's lock is the write lock taken at once, so a second collector waits before reading
    the cursor instead of pulling the same rows again (and quarantining their bad rows twice,
    seen once in `test_two_collectors_at_once_equal_one_clean_run` under load)."""
    import sqlite3

    from collectors.run import _lock_source
    from metrics.store import open_store

    path = tmp_path / "s.db"
    store = open_store(f"sqlite:///{path}")
    other = sqlite3.connect(path, timeout=0)
    try:
        with store.session() as session:
            _lock_source(session, "saas")
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released at the session's end
        other.rollback()
    finally:
        other.close()
        store.dispose()
