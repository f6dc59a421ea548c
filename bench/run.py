"""Benchmarks, measured side by side in one run; prints ``name: value (target …)`` per line.

    python bench/run.py --quick        # about a minute on a laptop
    python bench/run.py --events-per-day 30000 --days 365    # larger scales
    python bench/run.py --quick --store postgresql+psycopg://postgres@127.0.0.1/test

``--store`` picks the engine (default: a SQLite file). A PostgreSQL URL names a server and a
database to connect to: the benchmark creates a fresh database of its own there and drops it at
the end. ``--quick`` without ``--store`` measures SQLite, and PostgreSQL too when
``HYPERCARE_TEST_PG_URL`` is set.

Measured per engine (lines prefixed with ``sqlite.`` or ``postgresql.``):
- ``ingest_vs_raw``: usage rows per second through the collectors (parsing, validation,
  pseudonymization, deduplication, ledger, rollups) ÷ rows per second of a raw load of the same
  rows into a bare table measured in the same run: sqlite3 ``executemany`` on SQLite, psycopg
  ``COPY`` on PostgreSQL (target ≥ 0.5);
- ``ingest_vs_pandas_to_sql``: the collectors' speed ÷ ``pandas.read_csv`` + ``DataFrame.to_sql``
  on the same engine (target ≥ 1.5);
- ``recollect_unchanged_share``: the time of re-collecting unchanged sources ÷ the first run
  (target < 0.02).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import Scale, generate


def _usage_rows(out: Path) -> list[list[str]]:
    rows: list[list[str]] = []
    for path in sorted((out / "usage").glob("usage_*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=";")
            next(reader)
            rows.extend(reader)
    return rows


_PLAIN_TABLE = "CREATE TABLE {name} (ts TEXT, usr TEXT, action TEXT, outcome TEXT, dur TEXT)"


def baseline_executemany(out: Path, db: Path) -> float:
    """Seconds to read the CSVs with csv and insert them with sqlite3 executemany."""
    started = time.perf_counter()
    rows = _usage_rows(out)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(_PLAIN_TABLE.format(name="bench_raw"))
    conn.executemany("INSERT INTO bench_raw VALUES (?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return time.perf_counter() - started


def baseline_copy(out: Path, url: str) -> float:
    """Seconds to read the CSVs with csv and load them with psycopg ``COPY`` into a plain table."""
    import psycopg
    from sqlalchemy import make_url

    parsed = make_url(url)
    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    started = time.perf_counter()
    rows = _usage_rows(out)
    with psycopg.connect(conninfo) as conn, conn.cursor() as cursor:
        cursor.execute(_PLAIN_TABLE.format(name="bench_raw"))
        with cursor.copy("COPY bench_raw (ts, usr, action, outcome, dur) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
    return time.perf_counter() - started


def baseline_pandas(out: Path, url: str) -> float:
    """Seconds for pandas.read_csv + DataFrame.to_sql, the script a user would write."""
    import pandas as pd
    from sqlalchemy import create_engine

    engine = create_engine(url)
    started = time.perf_counter()
    for path in sorted((out / "usage").glob("usage_*.csv")):
        frame = pd.read_csv(path, sep=";", encoding="utf-8-sig", decimal=",")
        frame["Date"] = pd.to_datetime(frame["Date"], format="%d/%m/%Y %H:%M:%S")
        frame.to_sql("bench_pandas", engine, if_exists="append", index=False)
    engine.dispose()
    return time.perf_counter() - started


def collect_seconds(out: Path, url: str) -> float:
    from collectors.run import collect
    from hypercare.config import load_config
    from metrics.store import open_store

    config = dataclasses.replace(load_config(out / "hypercare.yaml"), store_url=url)
    store = open_store(config.store_url)
    started = time.perf_counter()
    outcomes = collect(config, store)
    elapsed = time.perf_counter() - started
    store.dispose()
    failed = [o.name for o in outcomes if o.failed]
    if failed:
        raise SystemExit(f"collect failed for {', '.join(failed)}")
    return elapsed


@contextlib.contextmanager
def fresh_postgres(admin_url: str) -> Iterator[str]:
    """A new, empty database on the server of ``admin_url``; dropped on exit."""
    from sqlalchemy import create_engine, make_url, text

    url = make_url(admin_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = f"hc_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure(out: Path, store: str, rows: int) -> list[str]:
    """The benchmark lines of one engine (``sqlite`` or a PostgreSQL server URL)."""
    if store == "sqlite":
        prefix, raw_name = "sqlite", "executemany"
        for name in ("baseline.db", "pandas.db", "store.db"):
            (out / name).unlink(missing_ok=True)
        raw = baseline_executemany(out, out / "baseline.db")
        pandas = baseline_pandas(out, f"sqlite:///{out / 'pandas.db'}")
        first = collect_seconds(out, f"sqlite:///{out / 'store.db'}")
        again = collect_seconds(out, f"sqlite:///{out / 'store.db'}")
    else:
        prefix, raw_name = "postgresql", "copy"
        with fresh_postgres(store) as url:
            raw = baseline_copy(out, url)
            pandas = baseline_pandas(out, url)
            first = collect_seconds(out, url)
            again = collect_seconds(out, url)
    return [
        f"{prefix}.ingest_rows_per_s: {rows / first:.0f} ({raw_name}: {rows / raw:.0f}, "
        f"pandas: {rows / pandas:.0f})",
        f"{prefix}.ingest_vs_raw: {raw / first:.3f} (target >= 0.5, raw = {raw_name})",
        f"{prefix}.ingest_vs_pandas_to_sql: {pandas / first:.3f} (target >= 1.5)",
        f"{prefix}.recollect_unchanged_share: {again / first:.4f} (target < 0.02)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="Hypercare benchmarks")
    parser.add_argument("--quick", action="store_true", help="a small company, about a minute")
    parser.add_argument(
        "--store",
        default=None,
        help="sqlite (default) or a PostgreSQL URL; a fresh database is created there and dropped",
    )
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--events-per-day", type=int, default=20000)
    args = parser.parse_args()
    scale = (
        Scale(people=300, teams=10, days=30, events_per_day=3000)
        if args.quick
        else Scale(people=args.people, teams=20, days=args.days, events_per_day=args.events_per_day)
    )
    if args.store is None:
        stores = ["sqlite"]
        if args.quick and os.environ.get("HYPERCARE_TEST_PG_URL"):
            stores.append(os.environ["HYPERCARE_TEST_PG_URL"])
    elif args.store.startswith("sqlite"):
        stores = ["sqlite"]
    else:
        stores = [args.store]
    os.environ.setdefault("HYPERCARE_SECRET_KEY", "benchmark-key")
    os.environ.pop("HYPERCARE_DB_URL", None)  # the store is the benchmark's own
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="hypercare-bench-") as tmp:
        out = Path(tmp)
        rows = generate(out, scale)
        lines.append(f"rows: {rows} ({scale.people} people, {scale.days} days)")
        for store in stores:
            lines += measure(out, store, rows)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
