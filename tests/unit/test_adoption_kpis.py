"""User-count KPIs on tiny data, each expected value worked out by hand in the comments.

The same tests run on SQLite and PostgreSQL (the ``store_url`` fixture).
"""

import datetime as dt

import pytest

from collectors.run import collect
from hypercare.config import load_config
from metrics.adoption import daily_series, user_kpis
from metrics.report import build_report
from metrics.scopes import ALL, Scope
from metrics.store import open_store

ROSTER = (
    "\ufeffMatricule;E-mail;Service;Vague;Mise en service;Licence\r\n"
    "u1;u1@x.fr;Compta;pilote;01/05/2026;Oui\r\n"
    "u2;u2@x.fr;Compta;pilote;01/05/2026;Oui\r\n"
    "u3;;Compta;pilote;01/05/2026;Oui\r\n"
    "u4;;Logistique;v1;20/05/2026;Oui\r\n"
    "u5;;Logistique;v1;20/05/2026;Oui\r\n"
    "u6;;Logistique;v1;20/05/2026;Non\r\n"
    "u7;;Direction;v1;20/05/2026;Oui\r\n"
)
# Local Paris times unless an offset is given.
USAGE = (
    "Date;Utilisateur;Action;Statut\n"
    "31/05/2026 09:00;u1;invoice.create;OK\n"
    "10/05/2026 09:00;U1 ;invoice.send;OK\n"  # same person: ids are trimmed and case-folded
    "26/05/2026 10:00;u2;invoice.create;Erreur\n"
    "31/05/2026 11:00;u2@x.fr;quote.create;OK\n"  # e-mail alias of u2
    "02/05/2026 08:00;u3;invoice.create;OK\n"  # first day of the 30-day window ending 31/05
    "30/04/2026 08:00;u3;invoice.create;OK\n"  # before u3's go-live, outside 30 days
    "25/05/2026 17:00;u4;invoice.create;OK\n"  # first day of the 7-day window ending 31/05
    "15/05/2026 17:00;u4;invoice.create;OK\n"  # before u4's go-live
    "18/05/2026 17:00;u5;invoice.create;OK\n"  # u5's only event is before their go-live
    "2026-05-31T21:30:00Z;u7;report.view;OK\n"  # 23:30 in Paris: still 31/05 there
    "2026-05-31T22:30:00Z;u7;report.view;OK\n"  # 00:30 on 01/06 in Paris: after the as-of day
    "30/05/2026 12:00;EXT9;invoice.create;OK\n"  # not in the roster
)
AS_OF = dt.date(2026, 5, 31)


@pytest.fixture
def store(store_url, make_config, write):
    write("annuaire.csv", ROSTER)
    write("usage.csv", USAGE)
    path = make_config(
        """
        privacy: {min_group_size: 2}
        timezone: Europe/Paris
        sources:
          - name: annuaire
            kind: roster
            path: annuaire.csv
            columns: {user: Matricule, email: E-mail, team: Service, wave: Vague,
                      go_live: Mise en service, licensed: Licence}
          - name: usage
            kind: usage
            path: usage.csv
            columns: {ts: Date, user: Utilisateur}
        """,
        store=store_url,
    )
    config = load_config(path)
    opened = open_store(config.store_url)
    outcomes = collect(config, opened)
    assert [o.total("accepted") for o in outcomes] == [7, 12]
    yield opened
    opened.dispose()


def test_snapshot_per_scope(store):
    with store.session() as session:
        kpis = user_kpis(session, AS_OF)
    # all: DAU u1, u2 (alias), u7 = 3; WAU adds u4 (25/05) and EXT9 = 5; MAU adds u3 (02/05) and
    # u5 (18/05) = 7. Licensed: u1-u5, u7 = 6. Adoption: licensed active in 7 days u1, u2, u4,
    # u7 = 4/6. Activation: u1, u2, u3, u4, u7 used it on or after their go-live = 5/6.
    assert kpis[ALL] == {
        "licensed_users": 6,
        "dau": 3,
        "wau": 5,
        "mau": 7,
        "adoption_rate": pytest.approx(4 / 6, abs=1e-4),
        "activation_rate": pytest.approx(5 / 6, abs=1e-4),
    }
    # Compta: u1, u2 today and this week; u3 only on 02/05; all three used it after go-live.
    assert kpis[Scope("team", "Compta")] == {
        "licensed_users": 3,
        "dau": 2,
        "wau": 2,
        "mau": 3,
        "adoption_rate": pytest.approx(2 / 3, abs=1e-4),
        "activation_rate": 1.0,
    }
    # Logistique: u6 holds no licence; u4 active on 25/05, u5 only before their go-live.
    assert kpis[Scope("team", "Logistique")] == {
        "licensed_users": 2,
        "dau": 0,
        "wau": 1,
        "mau": 2,
        "adoption_rate": 0.5,
        "activation_rate": 0.5,
    }
    # Wave v1 = Logistique + Direction: u4, u5, u7 licensed; u7 active today.
    assert kpis[Scope("wave", "v1")] == {
        "licensed_users": 3,
        "dau": 1,
        "wau": 2,
        "mau": 3,
        "adoption_rate": pytest.approx(2 / 3, abs=1e-4),
        "activation_rate": pytest.approx(2 / 3, abs=1e-4),
    }


def test_a_day_later_the_windows_move(store):
    with store.session() as session:
        kpis = user_kpis(session, AS_OF + dt.timedelta(days=1))
    # 01/06: only u7's 00:30 event; the week 26/05-01/06 drops u4 (25/05).
    assert kpis[ALL]["dau"] == 1
    assert kpis[ALL]["wau"] == 4  # u1, u2, u7, EXT9
    assert kpis[ALL]["mau"] == 6  # u3's 02/05 leaves the window 03/05-01/06


def test_report_suppresses_small_scopes_and_keeps_contract_shape(store):
    report = build_report(store, AS_OF, min_group_size=2)
    assert report["as_of"] == "2026-05-31"
    # features come last; quote is used by one person only (docs/kpis.md, feature scopes)
    assert report["suppressed"] == ["team:Direction", "feature:quote"]
    assert list(report["scopes"]) == [
        "all",
        "team:Compta",
        "team:Logistique",
        "wave:pilote",
        "wave:v1",
        "feature:invoice",
    ]
    assert report["scopes"]["team:Logistique"]["adoption_rate"] == 0.5
    # EXT9 (30/05) is the one identifier outside the roster: in WAU and MAU, not in DAU.
    assert report["not_in_roster"] == {"dau": 0, "wau": 1, "mau": 1, "events_30d": 1}


def test_suppressed_people_cannot_be_recovered_by_subtraction(store):
    scopes = build_report(store, AS_OF, min_group_size=2)["scopes"]
    # u7 (Direction, alone) is left out of every figure: all = Compta + Logistique.
    assert scopes["all"]["licensed_users"] == 3 + 2
    # Licensed active in 7 days: u1, u2, u4 = 3 of 5 (u7's activity no longer counts anywhere).
    assert scopes["all"]["adoption_rate"] == 0.6
    # DAU: u1 and u2 only; WAU adds u4 and EXT9 (not in the roster, no team to reveal).
    assert (scopes["all"]["dau"], scopes["all"]["wau"]) == (2, 4)
    # Wave v1 holds Logistique and Direction: without u7 it is Logistique's u4 and u5.
    assert scopes["wave:v1"]["licensed_users"] == 2
    assert scopes["wave:v1"]["dau"] == 0
    teams = [v for k, v in scopes.items() if k.startswith("team:")]
    assert scopes["all"]["licensed_users"] == sum(t["licensed_users"] for t in teams)


def test_a_small_wave_hides_its_people_from_teams_and_all(store):
    # With a minimum of 3: Logistique (2) and Direction (1) are suppressed; wave v1 then has no
    # one left, and all = Compta.
    report = build_report(store, AS_OF, min_group_size=3)
    assert report["suppressed"] == [
        "team:Direction",
        "team:Logistique",
        "wave:v1",
        "feature:quote",
    ]
    assert list(report["scopes"]) == ["all", "team:Compta", "wave:pilote", "feature:invoice"]
    assert report["scopes"]["all"]["licensed_users"] == 3
    # With a minimum of 4, Compta (3) goes too, and so does all.
    report = build_report(store, AS_OF, min_group_size=4)
    assert report["scopes"] == {}
    assert "all" in report["suppressed"]


def test_no_usage_means_null_not_zero(store_url, make_config, write):
    write("annuaire.csv", ROSTER)
    path = make_config(
        """
        privacy: {min_group_size: 2}
        sources:
          - {name: annuaire, kind: roster, path: annuaire.csv,
             columns: {user: Matricule, team: Service, wave: Vague, go_live: Mise en service,
                       licensed: Licence}}
        """,
        store=store_url,
    )
    config = load_config(path)
    store = open_store(config.store_url)
    collect(config, store)
    report = build_report(store, AS_OF, min_group_size=2)
    store.dispose()
    values = report["scopes"]["all"]
    assert values.pop("licensed_users") == 5  # Direction's one person is left out (minimum 2)
    assert set(values) >= {"dau", "wau", "mau", "adoption_rate", "activation_rate"}
    assert all(v is None for v in values.values()), values


def test_daily_series_agrees_with_the_snapshot_every_day(store):
    start = dt.date(2026, 4, 29)
    with store.session() as session:
        rows = daily_series(session, start, AS_OF, groupings=("all", "team", "wave"))
        for offset in range((AS_OF - start).days + 1):
            day = start + dt.timedelta(days=offset)
            snapshot = user_kpis(session, day)
            for scope, values in snapshot.items():
                got = {
                    r["kpi"]: r["value"]
                    for r in rows
                    if r["day"] == day and r["scope"] == str(scope)
                }
                assert got == values, (day, scope)
    before = [r for r in rows if r["day"] == dt.date(2026, 4, 29) and r["scope"] == "all"]
    assert {r["kpi"]: r["value"] for r in before}["wau"] is None  # no usage yet on 29/04
