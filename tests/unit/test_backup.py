"""Backup and restore: the restore drill on SQLite and PostgreSQL (back up, damage, restore, the
same report), refusals of files that are not Hypercare backups or come from a newer Hypercare,
and a SQLite backup taken while a collector writes."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import make_url, text

from hypercare.cli import main
from hypercare.demo.build import build_demo
from metrics.backup import BackupError, backup_store, inspect_backup, restore_store
from metrics.store import open_store
from metrics.store.models import IngestRun

TODAY = dt.date(2026, 11, 23)


def _invoke(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    return result.exit_code, result.output


def _report(config: Path) -> dict:
    code, output = _invoke(
        "report", "--config", str(config), "--as-of", TODAY.isoformat(), "--format", "json"
    )
    assert code == 0, output
    return json.loads(output)


def _demo(directory: Path, url: str) -> Path:
    return build_demo(directory, db_url=url, today=TODAY, echo=lambda _: None).config_path


def _damage(url: str) -> None:
    """Delete rows, drop a table, change a roster entry."""
    store = open_store(url, upgrade=False)
    try:
        with store.engine.begin() as conn:
            conn.execute(text("DELETE FROM usage_events WHERE id % 3 = 0"))
            conn.execute(text("DELETE FROM usage_daily WHERE day > '2026-10-01'"))
            conn.execute(text("UPDATE people SET team = 'Personne'"))
            conn.execute(text("DROP TABLE survey_answers"))
    finally:
        store.dispose()


def test_restore_drill(store_url, tmp_path):
    config = _demo(tmp_path / "demo", store_url)
    before = _report(config)
    assert before["scopes"]["all"]["licensed_users"] > 100
    dump = tmp_path / ("backup.db" if store_url.startswith("sqlite") else "backup.dump")
    code, output = _invoke("backup", "--config", str(config), "-o", str(dump), "--format", "json")
    assert code == 0, output
    result = json.loads(output)
    assert result["rows"]["usage_events"] > 50_000 and dump.stat().st_size == result["size_bytes"]

    _damage(store_url)
    code, output = _invoke(
        "report", "--config", str(config), "--as-of", TODAY.isoformat(), "--format", "json"
    )
    assert code != 0 or json.loads(output) != before  # the damage shows

    code, output = _invoke("restore", str(dump), "--config", str(config), input="n\n")
    assert code == 2 and "nothing done" in output
    code, output = _invoke("restore", str(dump), "--config", str(config), "--yes")
    assert code == 0, output
    assert _report(config) == before
    kept = Path(output.split("kept at ")[1].strip().rstrip("."))
    assert kept.exists()  # the damaged store, kept aside
    if store_url.startswith("sqlite"):
        con = sqlite3.connect(kept)
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        finally:
            con.close()
        assert "survey_answers" not in tables and "usage_events" in tables
    else:
        assert kept.read_bytes().startswith(b"PGDMP")


def test_restore_a_truncated_and_a_corrupted_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    config = _demo(tmp_path / "demo", url)
    before = _report(config)
    dump = tmp_path / "backup.db"
    backup_store(url, dump)
    store_file = tmp_path / "store.db"

    with open(store_file, "r+b") as handle:  # garbage over the middle pages
        handle.seek(store_file.stat().st_size // 2)
        handle.write(b"\xde\xad\xbe\xef" * 50_000)
    (tmp_path / "store.db-wal").unlink(missing_ok=True)
    restore_store(url, dump)
    assert _report(config) == before

    with open(store_file, "r+b") as handle:
        handle.truncate(4096)
    code, _ = _invoke(
        "report", "--config", str(config), "--as-of", TODAY.isoformat(), "--format", "json"
    )
    assert code != 0
    code, output = _invoke("restore", str(dump), "--config", str(config), "--yes")
    assert code == 0, output
    assert _report(config) == before
    aside = sorted(tmp_path.glob("store.db.before-restore-*"))
    assert aside and any(p.stat().st_size == 4096 for p in aside)


def test_restore_refuses_what_is_not_a_hypercare_backup_or_is_newer(tmp_path, make_config):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    config = make_config("locale: en\n", store=url)
    open_store(url).dispose()
    good = tmp_path / "good.db"
    backup_store(url, good)
    store_bytes = (tmp_path / "store.db").read_bytes()

    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello\n")
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    newer = tmp_path / "newer.db"
    shutil.copy(good, newer)
    con = sqlite3.connect(newer)
    con.execute("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    con.commit()
    con.close()
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])

    for path, message in [
        (text_file, "not a SQLite database"),
        (other, "not a Hypercare store (no alembic_version"),
        (newer, "newer version of Hypercare"),
        (truncated, "damaged"),
        (tmp_path / "missing.db", "no such file"),
    ]:
        code, output = _invoke("restore", str(path), "--config", str(config), "--yes")
        assert code == 2, (path, output)
        assert message in output and str(path) in output
    assert (tmp_path / "store.db").read_bytes() == store_bytes  # untouched
    assert not list(tmp_path.glob("store.db.before-restore-*"))

    code, output = _invoke("backup", "--config", str(config), "-o", str(good))
    assert code == 2 and "already exists" in output
    assert inspect_backup(good)


def test_postgresql_refuses_a_sqlite_backup_and_says_what_to_install(pg_url, tmp_path):
    sqlite_url = f"sqlite:///{tmp_path / 'store.db'}"
    open_store(sqlite_url).dispose()
    backup_store(sqlite_url, tmp_path / "b.db")
    open_store(pg_url).dispose()
    with pytest.raises(BackupError, match="a SQLite backup; restore it into a SQLite store"):
        restore_store(pg_url, tmp_path / "b.db")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", str(tmp_path))  # a PATH without the PostgreSQL client tools
        with pytest.raises(BackupError, match="pg_dump is not installed: install the PostgreSQL"):
            backup_store(pg_url, tmp_path / "b.dump")
    assert not (tmp_path / "b.dump").exists()
    # A dump of a newer Hypercare (a schema revision unknown here) is refused before anything.
    store = open_store(pg_url)
    try:
        with store.engine.begin() as conn:
            conn.execute(text("INSERT INTO alembic_version VALUES ('9999_from_the_future')"))
    finally:
        store.dispose()
    with pytest.raises(BackupError, match=r"the store itself is not sound.*newer version"):
        backup_store(pg_url, tmp_path / "newer.dump")
    assert not list(tmp_path.glob("*.dump*"))
    conninfo = make_url(pg_url).set(drivername="postgresql").render_as_string(False)
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={tmp_path / 'newer.dump'}", conninfo], check=True
    )
    with pytest.raises(BackupError, match=r"newer\.dump: written by a newer version of Hypercare"):
        restore_store(pg_url, tmp_path / "newer.dump")
    assert not list(tmp_path.glob("before-restore-*"))


def test_sqlite_backup_is_consistent_while_a_collector_writes(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = open_store(url)
    stop = threading.Event()
    written = []

    def writer() -> None:
        while not stop.is_set():
            with store.session() as session:  # one transaction: a run and its end
                run = IngestRun(started_at=dt.datetime.now(dt.UTC), status="running")
                session.add(run)
                session.flush()
                run.status, run.finished_at = "ok", dt.datetime.now(dt.UTC)
            written.append(1)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        counts = []
        for n in range(5):
            dump = tmp_path / f"b{n}.db"
            result = backup_store(url, dump)
            con = sqlite3.connect(dump)
            try:
                assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                # no half-written transaction: every run in the copy is finished
                assert con.execute(
                    "SELECT count(*) FROM ingest_runs WHERE status != 'ok'"
                ).fetchone() == (0,)
                counts.append(con.execute("SELECT count(*) FROM ingest_runs").fetchone()[0])
            finally:
                con.close()
            assert result.rows["ingest_runs"] == counts[-1]
    finally:
        stop.set()
        thread.join()
        store.dispose()
    assert counts == sorted(counts) and counts[-1] > 0 and len(written) > counts[0]
