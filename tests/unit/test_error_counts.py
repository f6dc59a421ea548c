"""Error counts per period and module: the aggregated CSV (French and English), its quarantine,
idempotence and updates, and error_rate combining counts with usage events without double
counting."""

import datetime as dt

from sqlalchemy import func, select

from collectors.run import collect
from hypercare.config import load_config
from metrics import compute
from metrics.error_counts import error_rates_by_module
from metrics.store import open_store
from metrics.store.models import ErrorCount, Quarantine

AS_OF = dt.date(2026, 5, 31)

FRENCH = (
    "\ufeffDébut;Fin;Module;Requêtes;Erreurs\n"
    "30/05/2026 00:00;30/05/2026 12:00;Facturation;1 000,0;12,5\n"
    "30/05/2026 12:00;31/05/2026 00:00;Facturation;500;7,5\n"
    "30/05/2026 00:00;31/05/2026 00:00;Stock;200;0\n"
    "30/05/2026 00:00;31/05/2026 00:00;Stock;200;0\n"  # the same row again: a duplicate
    "30/05/2026 00:00;29/05/2026 00:00;Paie;10;1\n"  # ends before it starts
    "31/05/2026 00:00;31/05/2026 12:00;Paie;10;11\n"  # more errors than requests
    "31/05/2026 00:00;;Paie;abc;1\n"  # not a number
)


def _config(make_config, store_url, path="counts.csv", extra=""):
    return make_config(
        f"""
        timezone: Europe/Paris
        locale: fr
        sources:
          - name: supervision
            kind: error_counts
            path: {path}
            csv: {{decimal: ","}}
        {extra}
        """,
        store=store_url,
    )


def test_french_csv_is_read_with_its_headers_and_decimal_commas(store_url, make_config, write):
    write("counts.csv", FRENCH.encode("utf-8"))
    config = load_config(_config(make_config, store_url))
    store = open_store(config.store_url)
    try:
        [outcome] = collect(config, store)
        assert outcome.error is None
        assert (outcome.total("read"), outcome.total("accepted")) == (7, 3)
        assert (outcome.total("duplicates"), outcome.total("quarantined")) == (1, 3)
        with store.session() as session:
            rows = session.execute(
                select(
                    ErrorCount.module, ErrorCount.requests, ErrorCount.errors, ErrorCount.day
                ).order_by(ErrorCount.module, ErrorCount.period_start)
            ).all()
            reasons = session.scalars(select(Quarantine.reason).order_by(Quarantine.line)).all()
            first = session.scalar(select(ErrorCount.period_start).order_by(ErrorCount.id))
        assert rows == [
            ("Facturation", 1000.0, 12.5, dt.date(2026, 5, 30)),
            ("Facturation", 500.0, 7.5, dt.date(2026, 5, 30)),
            ("Stock", 200.0, 0.0, dt.date(2026, 5, 30)),
        ]
        # Paris is UTC+2 in May: local midnight is 22:00 UTC the day before.
        assert first.replace(tzinfo=dt.UTC) == dt.datetime(2026, 5, 29, 22, tzinfo=dt.UTC)
        assert "ends" in reasons[0] and "before it starts" in reasons[0]
        assert "11 errors is more than the 10 requests" in reasons[1]
        assert "'Requêtes' (requests)" in reasons[2]

        # The same file again adds nothing; a corrected export updates the period it corrects.
        [again] = collect(config, store)
        assert again.files[0].status == "skipped"
        write("counts.csv", FRENCH.replace("500;7,5", "500;9,5").encode("utf-8"))
        [fixed] = collect(config, store)
        assert (fixed.total("accepted"), fixed.total("duplicates")) == (1, 3)
        with store.session() as session:
            assert session.scalar(select(func.count()).select_from(ErrorCount)) == 3
            assert session.scalar(select(func.count()).select_from(Quarantine)) == 3
            assert session.scalar(select(func.sum(ErrorCount.errors))) == 22.0
    finally:
        store.dispose()


def test_english_daily_csv_without_an_end_covers_one_day(store_url, make_config, write):
    write("daily.csv", "date,module,requests,errors\n2026-05-30,api,100,3\n")
    config = load_config(
        make_config(
            """
            timezone: UTC
            locale: en
            sources:
              - name: daily
                kind: error_counts
                path: daily.csv
            """,
            store=store_url,
        )
    )
    store = open_store(config.store_url)
    try:
        [outcome] = collect(config, store)
        assert outcome.total("accepted") == 1
        with store.session() as session:
            count = session.scalars(select(ErrorCount)).one()
            assert count.period_end.replace(tzinfo=dt.UTC) - count.period_start.replace(
                tzinfo=dt.UTC
            ) == dt.timedelta(days=1)
            assert count.day == count.last_day == dt.date(2026, 5, 30)
    finally:
        store.dispose()


USAGE = (
    "ts,user,feature,outcome\n"
    # 30/05: billing has 10 events (2 errors), stock 10 events (1 error)
    + "".join(
        f"2026-05-30 09:00:{i:02d},u{i % 3},billing,{'error' if i < 2 else 'ok'}\n"
        for i in range(10)
    )
    + "".join(
        f"2026-05-30 10:00:{i:02d},u{i % 3},stock,{'error' if i < 1 else 'ok'}\n" for i in range(10)
    )
    # 29/05: billing, 10 events (5 errors), not covered by any count
    + "".join(
        f"2026-05-29 09:00:{i:02d},u{i % 3},billing,{'error' if i < 5 else 'ok'}\n"
        for i in range(10)
    )
)


def _snapshot(config, store):
    with store.session() as session:
        return compute.snapshot(session, compute.Settings.from_config(config), AS_OF)


def test_error_rate_takes_counts_in_place_of_the_events_they_cover(store_url, make_config, write):
    write("usage.csv", USAGE)
    write("roster.csv", "user,team\nu0,Compta\n")
    write("counts.csv", "start;end;module;requests;errors\n2026-05-30;2026-05-31;Billing;1000;50\n")
    path = make_config(
        """
        timezone: UTC
        locale: en
        privacy: {min_group_size: 1}
        sources:
          - {name: roster, kind: roster, path: roster.csv}
          - name: usage
            kind: usage
            path: usage.csv
          - name: monitoring
            kind: error_counts
            path: counts.csv
        """,
        store=store_url,
    )
    config = load_config(path)
    store = open_store(config.store_url)
    try:
        collect(config, store, ["roster", "usage"])
        # Events only: (2 + 1 + 5) errors ÷ 30 events with an outcome.
        assert _snapshot(config, store)[compute.Scope("all")]["error_rate"] == round(8 / 30, 4)
        collect(config, store, ["monitoring"])
        snap = _snapshot(config, store)[compute.Scope("all")]
        # Billing on 30/05 comes from the counts (1000 requests, 50 errors) instead of its 10
        # events (2 errors); stock on 30/05 and billing on 29/05 keep their events:
        # (50 + 1 + 5) ÷ (1000 + 10 + 10).
        assert snap["error_rate"] == round(56 / 1020, 4)
        # task_success_rate stays over usage events: 22 ok of 30.
        assert snap["task_success_rate"] == round(22 / 30, 4)
        with store.session() as session:
            assert error_rates_by_module(session, AS_OF - dt.timedelta(days=29), AS_OF) == [
                {"module": "Billing", "requests": 1000.0, "errors": 50.0, "error_rate": 0.05}
            ]
    finally:
        store.dispose()


def test_counts_without_a_module_cover_the_whole_day_and_stand_alone(store_url, make_config, write):
    write("usage.csv", USAGE)
    write("roster.csv", "user,team\nu0,Compta\n")
    write("counts.csv", "period_start,requests,errors\n2026-05-30,400,4\n")
    path = make_config(
        """
        timezone: UTC
        locale: en
        privacy: {min_group_size: 1}
        sources:
          - {name: roster, kind: roster, path: roster.csv}
          - name: monitoring
            kind: error_counts
            path: counts.csv
          - name: usage
            kind: usage
            path: usage.csv
        """,
        store=store_url,
    )
    config = load_config(path)
    store = open_store(config.store_url)
    try:
        collect(config, store, ["roster", "monitoring"])
        # No usage at all: the counts alone give the rate.
        assert _snapshot(config, store)[compute.Scope("all")]["error_rate"] == 0.01
        collect(config, store, ["usage"])
        # Every event of 30/05 is replaced; 29/05 keeps its 10 events (5 errors).
        snap = _snapshot(config, store)[compute.Scope("all")]
        assert snap["error_rate"] == round(9 / 410, 4)
    finally:
        store.dispose()
