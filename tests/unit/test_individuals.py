"""The list of people who have not started (``privacy.individual_views``), on tiny data
collected through the real collectors, on SQLite and PostgreSQL.

Roster (all licensed unless said): Compta a1-a5 live 01/06, Vente b1-b5 live 08/06 with b5
unlicensed, Achats c1-c2 (a team under the minimum group size of 3... of 5 here: suppressed).
Usage: a1-a4 from 02/06; b1 on 05/06 (before its go-live: does not count), b2 on 09/06;
c1 on 03/06.
"""

from __future__ import annotations

import datetime as dt

from collectors.run import collect
from hypercare.config import load_config
from metrics.individuals import not_started
from metrics.scopes import publishable_population
from metrics.store import open_store
from metrics.store.models import Person

ROSTER = "Matricule;Nom;Service;Mise en service;Licence\n" + "".join(
    f"{u};{name};{team};{go_live};{licence}\n"
    for u, name, team, go_live, licence in [
        *[(f"a{i}", f"Alice {i}", "Compta", "01/06/2026", "Oui") for i in range(1, 6)],
        *[(f"b{i}", f"Bruno {i}", "Vente", "08/06/2026", "Oui") for i in range(1, 5)],
        ("b5", "Bruno 5", "Vente", "08/06/2026", "Non"),
        ("b6", "Bruno 6", "Vente", "20/06/2026", "Oui"),
        ("c1", "Chloé 1", "Achats", "01/06/2026", "Oui"),
        ("c2", "Chloé 2", "Achats", "01/06/2026", "Oui"),
    ]
)
USAGE = "Date;Utilisateur\n" + "".join(
    f"{day}/06/2026 10:00;{u}\n"
    for u, day in [
        ("a1", "02"),
        ("a2", "02"),
        ("a3", "03"),
        ("a4", "04"),
        ("b1", "05"),
        ("b2", "09"),
        ("c1", "03"),
    ]
)
CONFIG = """
privacy: {{min_group_size: 5, individual_views: {views}}}
sources:
  - name: annuaire
    kind: roster
    path: annuaire.csv
    dates: {{dayfirst: true}}
    columns: {{user: Matricule, name: Nom, team: Service, go_live: Mise en service,
              licensed: Licence}}
    values: {{licensed: {{Oui: true, Non: false}}}}
  - name: usage
    kind: usage
    path: usage.csv
    dates: {{dayfirst: true}}
    columns: {{ts: Date, user: Utilisateur}}
"""


def build(store_url, make_config, write, views: bool):
    write("annuaire.csv", ROSTER)
    write("usage.csv", USAGE)
    config = load_config(make_config(CONFIG.format(views=str(views).lower()), store=store_url))
    store = open_store(config.store_url)
    collect(config, store)
    return store


def test_licensed_live_people_without_activity_since_go_live(store_url, make_config, write):
    store = build(store_url, make_config, write, views=True)
    try:
        with store.session() as session:
            population = publishable_population(session, 5)
            rows = not_started(session, dt.date(2026, 6, 10), population)
            names = [(r["name"], r["team"], r["days_since_go_live"]) for r in rows]
            # a5 (live 01/06) waits longest; b1 used the tool before its go-live only; b3, b4.
            # Not listed: b5 (unlicensed), b6 (live on 20/06), Achats (suppressed team).
            assert names == [
                ("Alice 5", "Compta", 9),
                ("Bruno 1", "Vente", 2),
                ("Bruno 3", "Vente", 2),
                ("Bruno 4", "Vente", 2),
            ]
            assert all(len(r["person"]) == 32 for r in rows)  # pseudonyms, names beside them
            assert [
                r["name"] for r in not_started(session, dt.date(2026, 6, 10), population, ["Vente"])
            ] == [
                "Bruno 1",
                "Bruno 3",
                "Bruno 4",
            ]
            assert not_started(session, dt.date(2026, 6, 10), population, []) == []
            # before Vente's go-live only Compta's a5 is waiting
            early = not_started(session, dt.date(2026, 6, 5), population)
            assert [r["name"] for r in early] == ["Alice 5"]
    finally:
        store.dispose()


def test_without_individual_views_no_name_is_stored(store_url, make_config, write):
    store = build(store_url, make_config, write, views=False)
    try:
        with store.session() as session:
            assert {p.display_name for p in session.query(Person)} == {None}
    finally:
        store.dispose()
