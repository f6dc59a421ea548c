"""Benchmark of the pulled JSON source: usage records through ``http-json`` from a loopback API.

    python bench/pull.py                 # 20,000 records in pages of 500, on SQLite
    python bench/pull.py --records 100000 --store postgresql+psycopg://user@host/db

Prints, per line, ``name: value (target …)``:

- ``pull_records_per_s``: records per second of a first pull (HTTP, JSON, flattening,
  conversion, pseudonymization, deduplication, rollups), the API being a local server;
- ``pull_vs_csv``: that rate ÷ the rate of collecting the same rows from a CSV file
  (target ≥ 0.4: HTTP, JSON and flattening cost at most 1.5 times the CSV path);
- ``repull_share``: the time of a second pull, from the stored cursor, ÷ the first
  (target < 0.05);
- ``all_duplicates_share``: the time of a pull whose API ignores ``since`` and serves every
  record again (all duplicates) ÷ the first (no target: what deduplication costs).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from http_fixtures import ApiServer, Reply, Request  # noqa: E402

from collectors.run import collect  # noqa: E402
from hypercare.config import load_config  # noqa: E402
from metrics.store import open_store  # noqa: E402

PAGE = 500


def _records(count: int) -> list[dict]:
    return [
        {
            "id": f"e{i}",
            "at": f"2026-05-{1 + (i * 28) // count:02d}T{8 + i % 10:02d}:{i % 60:02d}:00Z",
            "user": {"email": f"user{i % 300}@acme.fr", "team": "Compta"},
            "action": "invoice.create",
            "ok": i % 17 != 0,
        }
        for i in range(count)
    ]


def _collect_seconds(config_path: Path) -> tuple[float, int]:
    config = load_config(config_path)
    store = open_store(config.store_url)
    try:
        started = time.perf_counter()
        (outcome,) = collect(config, store)
        return time.perf_counter() - started, sum(f.read for f in outcome.files)
    finally:
        store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--store", help="a store URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    os.environ.setdefault("HYPERCARE_SECRET_KEY", "bench-key")
    records = _records(args.records)
    server = ApiServer().start()

    honour_since = [True]

    def serve(request: Request) -> Reply:
        since = request.query.get("since") if honour_since[0] else None
        chosen = records if since is None else [r for r in records if r["at"] >= since]
        start = int(request.query.get("offset") or 0)
        return Reply(200, {"items": chosen[start : start + PAGE], "total": len(chosen)})

    server.route("/events", serve)
    mapping = "{ts: at, user: user.email, action: action, outcome: ok, event_id: id}"
    values = "{outcome: {'true': ok, 'false': error, 'True': ok, 'False': error}}"
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        store_url = args.store or f"sqlite:///{base / 'pull.db'}"
        pulled = base / "pull.yaml"
        pulled.write_text(
            textwrap.dedent(f"""
                store: {{url: "{store_url}"}}
                sources:
                  - name: api
                    kind: usage
                    format: http-json
                    url: {server.url}/events
                    records: items
                    pagination: {{style: offset, limit: {PAGE}, total_field: total}}
                    cursor: {{field: at, param: since}}
                    columns: {mapping}
                    values: {values}
                """)
        )
        with open(base / "events.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "at", "user.email", "action", "ok"])
            for r in records:
                writer.writerow([r["id"], r["at"], r["user"]["email"], r["action"], r["ok"]])
        filed = base / "csv.yaml"
        filed.write_text(
            textwrap.dedent(f"""
                store: {{url: "sqlite:///{base / "csv.db"}"}}
                sources:
                  - name: file
                    kind: usage
                    format: csv
                    path: events.csv
                    columns: {mapping}
                    values: {values}
                """)
        )
        first, read = _collect_seconds(pulled)
        again, _ = _collect_seconds(pulled)  # from the cursor: the boundary records only
        honour_since[0] = False
        everything, _ = _collect_seconds(pulled)  # every record again: all duplicates
        from_csv, _ = _collect_seconds(filed)
    server.stop()
    rate = read / first
    print(f"pull_records_per_s: {rate:.0f} ({read} records, {read // PAGE + 1} pages)")
    print(f"pull_vs_csv: {rate / (read / from_csv):.2f} (target ≥ 0.4)")
    print(f"repull_share: {again / first:.3f} (target < 0.05)")
    print(f"all_duplicates_share: {everything / first:.2f} (no target: an API ignoring since)")


if __name__ == "__main__":
    main()
