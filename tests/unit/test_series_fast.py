"""Series of the non-user KPIs (computed without one full snapshot a day) equal the snapshots."""

import datetime as dt
import math

from collectors.run import collect
from hypercare.config import load_config
from metrics import compute
from metrics.kpis import COMPUTED
from metrics.scopes import ALL, Scope, publishable_population
from metrics.store import open_store

ROSTER = "user;team;wave;go_live\n" + "".join(
    f"u{i};T{i % 3};w{i % 2};2026-05-{1 + i % 9:02d}\n" for i in range(18)
)
USAGE = "ts;user;action;outcome;duration_ms\n" + "".join(
    f"2026-05-{3 + (i * 7) % 40 if (i * 7) % 40 < 28 else 2:02d} 10:{i % 60:02d};u{(i * 5) % 20};"
    f"{'invoice.create' if i % 3 else 'quote.create'};{'error' if i % 7 == 0 else 'ok'};"
    f"{100 + (i * 37) % 900}\n"
    for i in range(400)
)


def test_series_equal_snapshots(store_url, make_config, write):
    write("roster.csv", ROSTER)
    write("usage.csv", USAGE)
    config = load_config(
        make_config(
            """
            privacy: {min_group_size: 5}
            core_features: [invoice.create, quote.create, payment.record]
            sources:
              - {name: r, kind: roster, path: roster.csv}
              - {name: u, kind: usage, path: usage.csv}
            """,
            store=store_url,
        )
    )
    store = open_store(config.store_url)
    settings = compute.Settings.from_config(config)
    start, end = dt.date(2026, 4, 25), dt.date(2026, 6, 10)  # before, during and after the data
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    try:
        collect(config, store)
        with store.session() as session:
            population = publishable_population(session, 5)
            snaps = {
                day: compute.snapshot(session, settings, day, population, features=False)
                for day in days
            }
            scopes = [ALL, *(Scope("team", f"T{i}") for i in range(3)), Scope("wave", "w0")]
            codes = [
                "error_rate",
                "task_success_rate",
                "stickiness",
                "time_to_first_use",
                "feature_breadth",
                "p95_duration_ms",
                "app_errors_per_1k",
            ]
            assert set(codes) <= set(COMPUTED)
            checked = 0
            for code in codes:
                found = compute.series(session, settings, code, scopes, start, end, population)
                expected = {
                    scope: [(day, snaps[day][scope][code]) for day in days if scope in snaps[day]]
                    for scope in scopes
                    if any(scope in snaps[day] for day in days)
                }
                assert found == expected, code
                checked += sum(v is not None for points in found.values() for _, v in points)
            assert checked > 200  # the data gives values, not only nulls
            # p95 (numpy on SQLite, percentile_disc on PostgreSQL) against a naive nearest rank:
            # the 30 days ending 31 May hold every event
            durations = sorted(100 + (i * 37) % 900 for i in range(400))
            naive = durations[math.ceil(0.95 * len(durations)) - 1]
            assert snaps[dt.date(2026, 5, 31)][ALL]["p95_duration_ms"] == naive
    finally:
        store.dispose()
