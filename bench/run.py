"""Benchmarks, measured side by side in one run; prints ``name: value (target …)`` per line.

    python bench/run.py --quick        # about a minute on a laptop
    python bench/run.py --events-per-day 30000 --days 365    # larger scales

Measured now:
- ``ingest_vs_sqlite_executemany``: usage rows per second through the collectors (parsing,
  validation, pseudonymization, deduplication, rollups) ÷ rows per second of a plain sqlite3
  ``executemany`` of the same rows into a bare table (target ≥ 0.5);
- ``ingest_vs_pandas_to_sql``: the collectors' speed ÷ ``pandas.read_csv`` + ``DataFrame.to_sql``
  (target ≥ 1.5);
- ``recollect_unchanged_share``: the time of re-collecting unchanged sources ÷ the first run
  (target < 0.02).
"""

from __future__ import annotations

import argparse
import csv
import os
import sqlite3
import sys
import tempfile
import time
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


def baseline_executemany(out: Path) -> float:
    """Seconds to read the CSVs with csv and insert them with sqlite3 executemany."""
    db = out / "baseline.db"
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    rows = _usage_rows(out)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE usage (ts TEXT, usr TEXT, action TEXT, outcome TEXT, dur TEXT)")
    conn.executemany("INSERT INTO usage VALUES (?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return time.perf_counter() - started


def baseline_pandas(out: Path) -> float:
    """Seconds for pandas.read_csv + DataFrame.to_sql, the script a user would write."""
    import pandas as pd
    from sqlalchemy import create_engine

    db = out / "pandas.db"
    db.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{db}")
    started = time.perf_counter()
    for path in sorted((out / "usage").glob("usage_*.csv")):
        frame = pd.read_csv(path, sep=";", encoding="utf-8-sig", decimal=",")
        frame["Date"] = pd.to_datetime(frame["Date"], format="%d/%m/%Y %H:%M:%S")
        frame.to_sql("usage", engine, if_exists="append", index=False)
    engine.dispose()
    return time.perf_counter() - started


def collect_seconds(out: Path) -> float:
    from collectors.run import collect
    from hypercare.config import load_config
    from metrics.store import open_store

    config = load_config(out / "hypercare.yaml")
    store = open_store(config.store_url)
    started = time.perf_counter()
    collect(config, store)
    elapsed = time.perf_counter() - started
    store.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description="Hypercare benchmarks")
    parser.add_argument("--quick", action="store_true", help="a small company, about a minute")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--events-per-day", type=int, default=20000)
    args = parser.parse_args()
    scale = (
        Scale(people=300, teams=10, days=30, events_per_day=3000)
        if args.quick
        else Scale(people=args.people, teams=20, days=args.days, events_per_day=args.events_per_day)
    )
    os.environ.setdefault("HYPERCARE_SECRET_KEY", "benchmark-key")
    with tempfile.TemporaryDirectory(prefix="hypercare-bench-") as tmp:
        out = Path(tmp)
        rows = generate(out, scale)
        raw = baseline_executemany(out)
        pandas = baseline_pandas(out)
        first = collect_seconds(out)
        again = collect_seconds(out)
    print(f"rows: {rows} ({scale.people} people, {scale.days} days)")
    print(f"ingest_rows_per_s: {rows / first:.0f}")
    print(f"ingest_vs_sqlite_executemany: {raw / first:.3f} (target >= 0.5)")
    print(f"ingest_vs_pandas_to_sql: {pandas / first:.3f} (target >= 1.5)")
    print(f"recollect_unchanged_share: {again / first:.4f} (target < 0.02)")


if __name__ == "__main__":
    main()
