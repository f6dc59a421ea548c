"""Scale benchmarks (issue 7, part 2): memory, rollups, report and dashboard pages at 10 M events.

    python bench/scale.py --work /var/tmp/hc-scale              # 10 M events, SQLite and PostgreSQL
    python bench/scale.py --quick --work /tmp/hc-scale-quick    # ~150 k events, a few minutes
    python bench/scale.py --engines sqlite --rss-rows 2000000   # one engine, a smaller RSS file

The store of each engine is built once and cached under ``--work`` (re-runs reuse it):

1. a seed company from ``bench/generate.py`` (``Scale``: ``--people`` people in 20 teams, 30 days
   of ``--events-per-day`` events, and ``generate_feedback``'s survey answers and support tickets,
   so that the support and feedback pages have something to show) goes through
   ``hypercare collect`` (the real pipeline: parsing, pseudonymization, deduplication, rollups);
2. the bulk is copied by SQL from those collected events, 30 days earlier per copy, until the
   store holds ``--days`` days (new negative event keys; every other column as collected), the
   go-live of the roster is moved to the first day, and the rollups are rebuilt
   (``metrics.rollups.refresh_all``, timed). Collecting 10 M rows through the collectors takes
   several minutes per engine; the measured parts below do not depend on how the bulk came in.

Measured (one ``name: value (target …)`` line each):
- ``collect_peak_rss_mb``: peak RSS of a ``hypercare collect`` subprocess reading one CSV of
  ``--rss-rows`` rows into a fresh store of each engine (``os.wait4``'s rusage of that child);
- ``rollup_refresh_one_day_s``: ``refresh_days`` for one new day appended after the last one;
- ``report_cli_cold_s`` / ``report_cli_warm_s``: ``hypercare report --format json`` subprocess wall
  times, first and second run; ``report_build_cold_s`` / ``report_build_warm_s``: in-process
  ``build_report`` twice;
- ``page_<name>_new_process_s`` / ``_cold_s`` / ``_warm_s``: each dashboard page run with AppTest
  in a fresh process (imports, store opening and empty caches), then after
  ``st.cache_data.clear()`` (cold: a running server with empty data caches), then again (warm).

The OS page cache is warm in every case (the store was just built or read); "cold" means a new
process and empty application caches.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from generate import Scale, generate, generate_feedback  # noqa: E402

AS_OF = dt.date(2026, 11, 22)
BLOCK_DAYS = 30
SECRET = "bench-scale-key"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PAGES = [
    "overview",
    "adoption",
    "trends",
    "support",
    "feedback",
    "alerts",
    "reconcile",
    "pulse",
    "quality",
    "glossary",
]


def _env(url: str | None = None) -> dict[str, str]:
    env = dict(os.environ, HYPERCARE_SECRET_KEY=SECRET)
    env.pop("HYPERCARE_CONFIG", None)
    if url is None:
        env.pop("HYPERCARE_DB_URL", None)
    else:
        env["HYPERCARE_DB_URL"] = url
    return env


def _hypercare(*args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from hypercare.cli import main; main()", *args]
    return subprocess.run(command, env=_env(url), capture_output=True, text=True, check=False)


def store_url(engine: str, work: Path, name: str) -> str:
    if engine == "sqlite":
        return f"sqlite:///{work / engine / 'store.db'}"
    import psycopg

    with psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
    ) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _copy_sql(dialect: str, shift: int) -> str:
    """SQL copying the collected seed events ``shift`` days earlier (keys made unique)."""
    columns = "source, file_id, ts, day, user_key, feature, action, outcome, duration_ms, status"
    if dialect == "sqlite":
        moved = (
            f"source, file_id, datetime(ts, '-{shift} days'), date(day, '-{shift} days'), "
            "user_key, feature, action, outcome, duration_ms, status"
        )
    else:
        moved = (
            f"source, file_id, ts - interval '{shift} days', day - {shift}, "
            "user_key, feature, action, outcome, duration_ms, status"
        )
    return (
        f"INSERT INTO usage_events (event_key, {columns}) "
        f"SELECT -(id * 1000 + {shift}), {moved} FROM usage_events WHERE id <= :seed"
    )


def build(engine: str, work: Path, args: argparse.Namespace) -> tuple[Path, str]:
    """The cached store of ``engine`` (built when missing); returns (config path, store URL)."""
    seed = work / "seed"
    scale = Scale(args.people, 20, BLOCK_DAYS, args.events_per_day, BLOCK_DAYS, 1)
    if not (seed / "hypercare.yaml").exists():
        started = time.perf_counter()
        rows = generate(seed, scale, end=AS_OF)
        print(f"seed_generated: {rows} rows in {time.perf_counter() - started:.1f} s")
    if not (seed / "tickets").exists():  # seeds of before the pages had feedback to show
        answers, tickets = generate_feedback(seed, scale, AS_OF)
        print(f"seed_feedback: {answers} survey answers, {tickets} tickets")
    (work / engine).mkdir(parents=True, exist_ok=True)
    url = store_url(engine, work, f"hc_scale_{args.tag}")
    config = seed / "hypercare.yaml"
    marker = work / engine / f"built-{args.tag}.json"
    if marker.exists():
        built = json.loads(marker.read_text())
        if built.get("url") == url:
            if not built.get("feedback"):  # a store of before: collect the new sources into it
                done = _hypercare("collect", "--config", str(config), url=url)
                if done.returncode != 0:
                    raise SystemExit(f"collect failed:\n{done.stdout}\n{done.stderr}")
                built["feedback"] = True
                marker.write_text(json.dumps(built))
            print(f"{engine}_store: cached, {built['events']} events ({built})")
            return config, url
    from sqlalchemy import text

    from metrics.rollups import refresh_all
    from metrics.store import open_store

    if engine == "sqlite":
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:  # a fresh database
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    started = time.perf_counter()
    done = _hypercare("collect", "--config", str(config), url=url)
    if done.returncode != 0:
        raise SystemExit(f"collect failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    seed_s = time.perf_counter() - started
    store = open_store(url)
    copies = max(args.days // BLOCK_DAYS - 1, 0)
    started = time.perf_counter()
    with store.engine.begin() as conn:
        seed_id = conn.execute(text("SELECT max(id) FROM usage_events")).scalar()
        for n in range(1, copies + 1):
            conn.execute(
                text(_copy_sql(store.engine.dialect.name, n * BLOCK_DAYS)), {"seed": seed_id}
            )
        first = conn.execute(text("SELECT min(day) FROM usage_events")).scalar()
        conn.execute(text("UPDATE people SET go_live = :d"), {"d": first})
    copy_s = time.perf_counter() - started
    started = time.perf_counter()
    with store.session() as session:
        refresh_all(session)
        session.commit()
    rollup_s = time.perf_counter() - started
    with store.engine.connect() as conn:
        if engine == "sqlite":
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        events = conn.execute(text("SELECT count(*) FROM usage_events")).scalar()
    store.dispose()
    built = {
        "url": url,
        "events": events,
        "seed_collect_s": round(seed_s, 1),
        "seed_rows_per_s": round(args.events_per_day * BLOCK_DAYS / seed_s),
        "sql_copy_s": round(copy_s, 1),
        "rollup_rebuild_s": round(rollup_s, 1),
        "feedback": True,
    }
    marker.write_text(json.dumps(built))
    print(f"{engine}_store: built, {events} events ({built})")
    return config, url


def measure_rss(work: Path, rows: int, people: int, engine: str = "sqlite") -> None:
    """Peak RSS of one ``hypercare collect`` reading one CSV of ``rows`` rows into a fresh store
    of ``engine`` (a fresh database on the PostgreSQL server of ``PG_ADMIN``)."""
    out = work / f"rss-{rows}"
    days = max(rows // 30_000, 1)
    scale = Scale(people, 20, days, rows // days, days, 2)
    if not (out / "hypercare.yaml").exists():
        generate(out, scale, end=AS_OF)
    (out / "store.db").unlink(missing_ok=True)
    for extra in ("store.db-wal", "store.db-shm"):
        (out / extra).unlink(missing_ok=True)
    url = None  # the config's SQLite store
    if engine == "postgresql":
        import psycopg

        name = f"hc_scale_rss_{rows}"
        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    command = [
        sys.executable,
        "-c",
        "from hypercare.cli import main; main()",
        "collect",
        "--config",
        str(out / "hypercare.yaml"),
    ]
    started = time.perf_counter()
    child = subprocess.Popen(
        command, env=_env(url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    output = (child.stdout.read() if child.stdout else "").strip()
    if status != 0:
        raise SystemExit(f"collect failed: {output}\n{child.stderr.read() if child.stderr else ''}")
    size_mb = sum(p.stat().st_size for p in (out / "usage").glob("*.csv")) / 1e6
    print(f"collect_file: {scale.days * scale.events_per_day} rows, {size_mb:.0f} MB CSV")
    print(f"collect_s: {elapsed:.1f} ({scale.days * scale.events_per_day / elapsed:.0f} rows/s)")
    print(f"collect_peak_rss_mb: {usage.ru_maxrss / 1024:.0f} (target < 500 at 10 M rows)")
    if url is not None:  # a 10 M-row database is gigabytes: not kept
        import psycopg

        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')


def measure_rollup(url: str) -> None:
    """One new day (a copy of the last day's events) appended, then its rollup refreshed."""
    from sqlalchemy import text

    from metrics.rollups import refresh_days
    from metrics.store import open_store

    store = open_store(url)
    new_day = AS_OF + dt.timedelta(days=1)
    dialect = store.engine.dialect.name
    moved = (
        "datetime(ts, '+1 days'), date(day, '+1 days')"
        if dialect == "sqlite"
        else "ts + interval '1 day', day + 1"
    )
    clear = text("DELETE FROM usage_events WHERE day = :d")
    with store.engine.begin() as conn:
        conn.execute(clear, {"d": new_day})
        n = conn.execute(
            text(
                "INSERT INTO usage_events (event_key, source, file_id, ts, day, user_key, feature,"
                f" action, outcome, duration_ms, status) SELECT -(id * 1000 + 999), source,"
                f" file_id, {moved}, user_key, feature, action, outcome, duration_ms, status"
                " FROM usage_events WHERE day = :d"
            ),
            {"d": AS_OF},
        ).rowcount
    times = []
    for _ in range(2):
        with store.session() as session:
            started = time.perf_counter()
            refresh_days(session, [new_day])
            session.commit()
            times.append(time.perf_counter() - started)
    with store.engine.begin() as conn:  # back to the built store
        conn.execute(clear, {"d": new_day})
    with store.session() as session:
        refresh_days(session, [new_day])
        session.commit()
    store.dispose()
    print(f"rollup_new_day_events: {n}")
    print(f"rollup_refresh_one_day_s: {min(times):.3f} (target < 1)")


def measure_report(config: Path, url: str, engine: str) -> None:
    for label in ("cold", "warm"):
        started = time.perf_counter()
        done = _hypercare(
            "report",
            "--config",
            str(config),
            "--as-of",
            AS_OF.isoformat(),
            "--format",
            "json",
            url=url,
        )
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"report failed: {done.stdout}\n{done.stderr}")
        print(f"report_cli_{label}_s: {elapsed:.2f} (target < {3 if label == 'cold' else 1})")
    script = (
        "import json, sys, time, datetime as dt\n"
        "from hypercare.config import load_config\n"
        "from metrics.compute import Settings\n"
        "from metrics.report import build_report\n"
        "from metrics.store import open_store\n"
        "config = load_config(sys.argv[1])\n"
        "store = open_store(config.store_url)\n"
        "settings = Settings.from_config(config)\n"
        "times = []\n"
        "for _ in range(2):\n"
        "    t = time.perf_counter()\n"
        "    build_report(store, dt.date.fromisoformat(sys.argv[2]),"
        " config.privacy.min_group_size, settings)\n"
        "    times.append(time.perf_counter() - t)\n"
        "print(json.dumps(times))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(config), AS_OF.isoformat()],
        env=_env(url),
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise SystemExit(f"build_report failed: {done.stderr}")
    cold, warm = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"report_build_cold_s: {cold:.2f} (target < 3)")
    print(f"report_build_warm_s: {warm:.2f} (target < 1)")


PAGE_SCRIPT = """
import json, sys, time
import streamlit as st
from streamlit.testing.v1 import AppTest
app_path, page, as_of = sys.argv[1:4]
times, problems = [], []
for run in ("process", "cold", "warm"):
    if run == "cold":
        st.cache_data.clear()  # a running server with empty data caches
    app = AppTest.from_file(app_path, default_timeout=600)
    app.query_params["as_of"] = as_of
    if page != "overview":
        app.switch_page(f"views/{page}.py")
    started = time.perf_counter()
    app.run()
    times.append(time.perf_counter() - started)
    problems += [str(e.value)[:200] for e in app.exception]  # st.error boxes are content
print(json.dumps({"times": times, "problems": problems}))
"""


def measure_pages(config: Path, url: str, pages: list[str]) -> None:
    env = _env(url)
    env["HYPERCARE_CONFIG"] = str(config)
    for page in pages:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                PAGE_SCRIPT,
                str(ROOT / "dashboard" / "app.py"),
                page,
                AS_OF.isoformat(),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        if done.returncode != 0:
            print(f"page_{page}: failed {done.stderr.strip().splitlines()[-1:]}")
            continue
        found = json.loads(done.stdout.strip().splitlines()[-1])
        process, cold, warm = found["times"]
        note = f"  problems: {found['problems'][:2]}" if found["problems"] else ""
        print(f"page_{page}_new_process_s: {process:.2f} (imports and first run, no target)")
        print(f"page_{page}_cold_s: {cold:.2f} (target < 3)")
        print(f"page_{page}_warm_s: {warm:.2f} (target < 1){note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/var/tmp/hypercare-scale"))
    parser.add_argument("--quick", action="store_true", help="~150 k events, a few minutes")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--days", type=int, default=360)
    parser.add_argument("--events-per-day", type=int, default=27_778)
    parser.add_argument("--rss-rows", type=int, default=10_000_000)
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument(
        "--skip", default="", help="comma-separated parts to skip: rss,rollup,report,pages"
    )
    args = parser.parse_args()
    if args.quick:
        args.people, args.days, args.events_per_day, args.rss_rows = 300, 60, 3_400, 200_000
    args.tag = f"{args.people}p{args.days}d{args.events_per_day}e"
    skip = set(filter(None, args.skip.split(",")))
    work = args.work / args.tag
    work.mkdir(parents=True, exist_ok=True)
    print(f"scale: {args.people} people, {args.days} days, {args.events_per_day} events a day")
    for engine in filter(None, args.engines.split(",")):
        print(f"## {engine}")
        if "rss" not in skip:
            measure_rss(args.work, args.rss_rows, args.people, engine)
        config, url = build(engine, work, args)
        if "rollup" not in skip:
            measure_rollup(url)
        if "report" not in skip:
            measure_report(config, url, engine)
        if "pages" not in skip:
            measure_pages(config, url, [p for p in args.pages.split(",") if p])


if __name__ == "__main__":
    main()
