"""Benchmark of error counts (``kind: error_counts``): collecting an aggregated CSV and what the
counts add to a KPI snapshot.

    python bench/error_counts.py                      # 10 modules × 5-minute periods × 30 days
    python bench/error_counts.py --store postgresql+psycopg://user@host/db

Prints, per line, ``name: value (target …)``:

- ``counts_rows_per_s``: rows per second of collecting the CSV (conversion, keys, the daily
  rollup) into an empty store;
- ``counted_errors_ms``: the time error_rate's combination of counts and usage events adds to one
  snapshot of 30 days (target < 50 ms: a 30-day trend runs it 30 times);
- ``recollect_share``: the time of collecting the same file under another name (every row a
  duplicate) ÷ the first (no target: what deduplication costs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collectors.run import collect  # noqa: E402
from hypercare.config import load_config  # noqa: E402
from metrics.error_counts import counted_errors  # noqa: E402
from metrics.scopes import Population  # noqa: E402
from metrics.store import open_store  # noqa: E402


def write_csv(path: Path, days: int, modules: int, minutes: int) -> int:
    start = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    step = dt.timedelta(minutes=minutes)
    rows = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write("period_start,period_end,module,requests,errors\n")
        for i in range(days * 24 * 60 // minutes):
            begin = start + i * step
            for m in range(modules):
                out.write(f"{begin.isoformat()},{(begin + step).isoformat()},m{m},{100 + m},{m}\n")
                rows += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--modules", type=int, default=10)
    parser.add_argument("--minutes", type=int, default=5)
    parser.add_argument("--store", default=None, help="store URL (default: a temporary SQLite)")
    args = parser.parse_args()
    os.environ.setdefault("HYPERCARE_SECRET_KEY", "bench")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        rows = write_csv(base / "counts_a.csv", args.days, args.modules, args.minutes)
        url = args.store or f"sqlite:///{base / 'store.db'}"
        (base / "hypercare.yaml").write_text(
            textwrap.dedent(
                f"""
                store: {{url: "{url}"}}
                timezone: UTC
                sources:
                  - {{name: counts, kind: error_counts, path: counts_*.csv}}
                """
            ),
            encoding="utf-8",
        )
        config = load_config(base / "hypercare.yaml")
        store = open_store(config.store_url)
        try:
            began = time.perf_counter()
            [outcome] = collect(config, store)
            first = time.perf_counter() - began
            assert outcome.total("accepted") == rows, outcome
            print(f"counts_rows_per_s: {rows / first:,.0f} ({rows:,} rows)")
            end = dt.date(2026, 5, 1) + dt.timedelta(days=args.days - 1)
            with store.session() as session:
                runs = 20
                began = time.perf_counter()
                for _ in range(runs):
                    counted_errors(session, end - dt.timedelta(days=29), end, Population())
                each = (time.perf_counter() - began) / runs * 1000
            print(f"counted_errors_ms: {each:.1f} (target < 50)")
            # The same bytes under another name: a new file for the ledger, all duplicates.
            (base / "counts_b.csv").write_bytes((base / "counts_a.csv").read_bytes() + b"\n")
            began = time.perf_counter()
            collect(config, store)
            again = time.perf_counter() - began
            print(f"recollect_share: {again / first:.2f}")
        finally:
            store.dispose()


if __name__ == "__main__":
    main()
