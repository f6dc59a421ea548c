"""The KPI entry points agree with the specialized queries."""

import datetime as dt

from collectors.run import collect
from hypercare.config import load_config
from metrics import compute
from metrics.adoption import user_kpis
from metrics.scopes import ALL, Scope, publishable_population
from metrics.store import open_store

ROSTER = "user;team;wave\n" + "".join(f"u{i};T{i % 2};w{i % 2}\n" for i in range(12))
USAGE = "ts;user\n" + "".join(f"2026-05-{10 + i % 20:02d} 10:00;u{i % 12}\n" for i in range(60))


def test_snapshot_and_series(store_url, make_config, write):
    write("roster.csv", ROSTER)
    write("usage.csv", USAGE)
    config = load_config(
        make_config(
            """
            privacy: {min_group_size: 5}
            sources:
              - {name: r, kind: roster, path: roster.csv}
              - {name: u, kind: usage, path: usage.csv}
            """,
            store=store_url,
        )
    )
    store = open_store(config.store_url)
    settings = compute.Settings.from_config(config)
    day = dt.date(2026, 5, 25)
    try:
        collect(config, store)
        with store.session() as session:
            snap = compute.snapshot(session, settings, day)
            population = publishable_population(session, 5)
            users = user_kpis(session, day, population)[ALL]
            assert {code: snap[ALL][code] for code in users} == users
            points = compute.series(
                session, settings, "wau", [ALL, Scope("team", "T0")], day - dt.timedelta(2), day
            )
            assert [d for d, _ in points[ALL]] == [day - dt.timedelta(n) for n in (2, 1, 0)]
            assert points[ALL][-1][1] == snap[ALL]["wau"]
            assert (
                compute.value(session, settings, "wau", Scope("team", "T0"), day)
                == (snap[Scope("team", "T0")]["wau"])
            )
    finally:
        store.dispose()
