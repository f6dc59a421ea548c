"""Backup, restore, forget and purge at scale (SQLite); prints ``name: value (target …)``.

    python bench/erasure.py --quick     # 300 people, 60 days, 180,000 events
    python bench/erasure.py --people 2000 --days 365 --events-per-day 3000   # 1.1 M events

Measured:
- ``backup_mb_per_s``: store size ÷ the time of ``backup_store`` (online backup API and its
  integrity check) (target >= 50);
- ``restore_s``: the time of ``restore_store`` (checks, the old store moved aside, migration
  check);
- ``forget_s_per_m_events``: the time of ``forget`` of one person per million stored events, the
  scan of every text column for their identifiers included (target < 10);
- ``purge_s_per_m_rows``: the time of a purge removing half the days, per million rows removed
  (target < 20).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import Scale, generate


def main() -> None:
    parser = argparse.ArgumentParser(description="Hypercare erasure and backup benchmarks")
    parser.add_argument("--quick", action="store_true", help="a small company, under a minute")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--events-per-day", type=int, default=3000)
    args = parser.parse_args()
    scale = (
        Scale(people=300, teams=10, days=60, events_per_day=3000)
        if args.quick
        else Scale(people=args.people, teams=20, days=args.days, events_per_day=args.events_per_day)
    )
    os.environ.setdefault("HYPERCARE_SECRET_KEY", "benchmark-key")

    from collectors.privacy import Pseudonymizer
    from collectors.run import collect
    from hypercare.config import load_config
    from metrics.backup import backup_store, restore_store
    from metrics.erasure import forget, purge
    from metrics.store import open_store

    end = dt.date.today() - dt.timedelta(days=1)
    with tempfile.TemporaryDirectory(prefix="hypercare-bench-erasure-") as tmp:
        out = Path(tmp)
        events = generate(out, scale, end=end)
        config = load_config(out / "hypercare.yaml")
        store = open_store(config.store_url)
        collect(config, store)
        store.dispose()
        size_mb = (out / "store.db").stat().st_size / 1e6

        started = time.perf_counter()
        backup_store(config.store_url, out / "backup.db")
        backup_s = time.perf_counter() - started
        started = time.perf_counter()
        restore_store(config.store_url, out / "backup.db")
        restore_s = time.perf_counter() - started

        store = open_store(config.store_url)
        try:
            pseudonymize = Pseudonymizer(config.secret_key())
            started = time.perf_counter()
            forgotten = forget(store, "P00007", pseudonymize)
            forget_s = time.perf_counter() - started
            today = end + dt.timedelta(days=1)
            retention = scale.days // 2
            started = time.perf_counter()
            purged = purge(store, retention, today, config.tz)
            purge_s = time.perf_counter() - started
        finally:
            store.dispose()
    print(f"events: {events} ({scale.people} people, {scale.days} days), store {size_mb:.0f} MB")
    print(f"backup_s: {backup_s:.2f}")
    print(f"backup_mb_per_s: {size_mb / backup_s:.0f} (target >= 50)")
    print(f"restore_s: {restore_s:.2f}")
    print(f"forget_rows: {forgotten.total}")
    print(f"forget_s_per_m_events: {forget_s / events * 1e6:.2f} (target < 10)")
    print(f"purge_rows: {purged.total}")
    print(f"purge_s_per_m_rows: {purge_s / max(purged.total, 1) * 1e6:.2f} (target < 20)")


if __name__ == "__main__":
    main()
