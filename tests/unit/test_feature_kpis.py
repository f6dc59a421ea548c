"""Feature scopes (``feature:<name>``), each value worked out by hand, on SQLite and PostgreSQL.

Roster: u1-u6 licensed in team A, u7 unlicensed in team A. As of 10/06/2026, 30-day window
12/05-10/06, 7-day window 04/06-10/06:
* Factures: u1 (ok, 100 ms), u2 (ok, 200), u3 (error, 300), u7 (ok, no duration) on 10/06;
  u4 on 05/06 (ok, 400); u5 on 20/05 (ok, 500); u6 on 01/05 (outside the window).
  dau = 4 (u1 u2 u3 u7), wau = 5 (+u4), mau = 6 (+u5); adoption = licensed people in 7 days
  (u1-u4) ÷ 6 licensed = 4/6; outcomes 5 ok + 1 error: error_rate 1/6, success 5/6;
  p95 of 100…500 (n = 5): the value at rank ⌈4.75⌉ = 5, 500 ms.
* Stock: u1 and u2 on 10/06: 2 people < min_group_size 3: suppressed, listed as such.
"""

from __future__ import annotations

import datetime as dt

import pytest

from collectors.run import collect
from hypercare.config import load_config
from metrics import compute
from metrics.report import build_report
from metrics.scopes import Scope
from metrics.store import open_store

ROSTER = "user;team;licensed\n" + "".join(f"u{i};A;yes\n" for i in range(1, 7)) + "u7;A;no\n"
USAGE = (
    "ts;user;feature;outcome;duration_ms\n"
    "2026-06-10 09:00;u1;Factures;ok;100\n"
    "2026-06-10 09:00;u2;Factures;ok;200\n"
    "2026-06-10 09:00;u3;Factures;error;300\n"
    "2026-06-10 09:00;u7;Factures;ok;\n"
    "2026-06-05 09:00;u4;Factures;ok;400\n"
    "2026-05-20 09:00;u5;Factures;ok;500\n"
    "2026-05-01 09:00;u6;Factures;ok;900\n"
    "2026-06-10 10:00;u1;Stock;ok;10\n"
    "2026-06-10 10:00;u2;Stock;ok;10\n"
)
AS_OF = dt.date(2026, 6, 10)
FACTURES, STOCK = Scope("feature", "Factures"), Scope("feature", "Stock")


@pytest.fixture
def store_and_settings(store_url, make_config, write):
    write("roster.csv", ROSTER)
    write("usage.csv", USAGE)
    config = load_config(
        make_config(
            """
            privacy: {min_group_size: 3}
            sources:
              - name: r
                kind: roster
                path: roster.csv
                values: {licensed: {yes: true, no: false}}
              - {name: u, kind: usage, path: usage.csv}
            """,
            store=store_url,
        )
    )
    store = open_store(config.store_url)
    collect(config, store)
    yield store, compute.Settings.from_config(config)
    store.dispose()


def test_a_features_kpis(store_and_settings):
    store, settings = store_and_settings
    with store.session() as session:
        values = compute.snapshot(session, settings, AS_OF)[FACTURES]
    assert values["licensed_users"] == 6
    assert (values["dau"], values["wau"], values["mau"]) == (4, 5, 6)
    assert values["adoption_rate"] == pytest.approx(4 / 6)
    assert values["error_rate"] == pytest.approx(1 / 6)
    assert values["task_success_rate"] == pytest.approx(5 / 6)
    assert values["p95_duration_ms"] == 500
    assert values["nps"] is None and values["tickets_open"] is None


def test_a_feature_used_by_too_few_people_is_suppressed_in_the_report(store_and_settings):
    store, settings = store_and_settings
    report = build_report(store, AS_OF, 3, settings)
    assert "feature:Factures" in report["scopes"]
    assert "feature:Stock" not in report["scopes"]
    assert "feature:Stock" in report["suppressed"]
    assert report["suppressed"][-1] == "feature:Stock"  # features come after teams and waves


def test_a_features_daily_series(store_and_settings):
    store, settings = store_and_settings
    with store.session() as session:
        found = compute.series(
            session,
            settings,
            "dau",
            [FACTURES, STOCK, Scope("team", "A")],
            AS_OF - dt.timedelta(1),
            AS_OF,
        )
    # 09/06: Factures had 2 people in 30 days (u4, u5): suppressed that day, no point
    assert found[FACTURES] == [(AS_OF, 4)]
    assert STOCK not in found
    assert [d for d, _ in found[Scope("team", "A")]] == [AS_OF - dt.timedelta(1), AS_OF]


def test_feature_scopes_parse():
    assert Scope.parse("feature:invoice.create") == Scope("feature", "invoice.create")
    assert str(Scope("feature", "Factures")) == "feature:Factures"
    with pytest.raises(ValueError, match="feature:<name>"):
        Scope.parse("module:Factures")
