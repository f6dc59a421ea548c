"""Two collectors started at once on the same sources leave the store as one would."""

import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from hypercare.config import load_config
from metrics.store import open_store
from metrics.store.models import IngestFile, Person, Quarantine, UsageDaily, UsageEvent

HYPERCARE = str(Path(sys.executable).parent / "hypercare")


def snapshot(url):
    store = open_store(url)
    try:
        with store.session() as session:
            counts = {
                m.__tablename__: session.scalar(select(func.count()).select_from(m))
                for m in (UsageEvent, UsageDaily, Person, Quarantine)
            }
            ok_files = session.scalars(
                select(IngestFile.path).where(IngestFile.status == "ok", IngestFile.rows_read > 0)
            ).all()
        return counts, sorted(ok_files)
    finally:
        store.dispose()


def test_two_collectors_at_once(store_url, make_config, write, tmp_path):
    write("roster.csv", "user;team\n" + "".join(f"u{i};T{i % 3}\n" for i in range(50)))
    for month in range(1, 5):
        body = "".join(
            f"2026-0{month}-{1 + i % 28:02d} 10:{i % 60:02d}:00;u{i % 50};a{i % 7}\n"
            for i in range(3000)
        )
        write(f"usage_{month}.csv", "ts;user;action\n" + body + "bad date;u1;x\n")
    config_path = make_config(
        """
        sources:
          - {name: roster, kind: roster, path: roster.csv}
          - {name: usage, kind: usage, path: 'usage_*.csv'}
        """,
        store=store_url,
    )
    open_store(load_config(config_path).store_url).dispose()  # migrate first, once
    procs = [
        subprocess.Popen(
            [HYPERCARE, "collect", "--config", str(config_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, out + err
    counts, files = snapshot(load_config(config_path).store_url)
    assert counts["usage_events"] == 4 * 3000 - _same_key_rows()
    assert counts["people"] == 50
    assert counts["quarantine"] == 4
    # each file was read by exactly one of the two collectors
    assert files == sorted(["roster.csv", *(f"usage_{m}.csv" for m in range(1, 5))])


def _same_key_rows() -> int:
    # Rows whose content repeats within the generated data (same second, user and action).
    seen = set()
    repeats = 0
    for month in range(1, 5):
        for i in range(3000):
            key = (month, 1 + i % 28, i % 60, i % 50, i % 7)
            if key in seen:
                repeats += 1
            seen.add(key)
    return repeats
