"""Reconcile alert rules: the consistency audit's results fire alerts like KPIs do.

Two entities are audited between a legacy SQLite database and a new one. ``factures`` passes the
initial audit, then drifts (an amount changed); ``clients`` already differs at the initial audit
(a known, accepted discrepancy) and only fires under ``trigger: fail`` — or under ``drift`` when
its differences grow. Run on SQLite and PostgreSQL stores.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import update

from hypercare.config import ConfigError, load_config
from metrics.alerts import notify
from metrics.alerts.evaluate import run_alerts
from metrics.reconcile import run_reconciliation
from metrics.store import open_store
from metrics.store.models import ReconcileResult

SECTION = """
reconciliation:
  sides:
    legacy: {{url: "sqlite:///legacy.db"}}
    new: {{url: "sqlite:///new.db"}}
  entities:
    - name: factures
      legacy: {{query: "SELECT num, montant FROM factures"}}
      new: {{query: "SELECT num, montant FROM factures"}}
      key: [num]
      compare: [montant]
    - name: clients
      legacy: {{query: "SELECT code, nom FROM clients"}}
      new: {{query: "SELECT code, nom FROM clients"}}
      key: [code]
      compare: [nom]
alerts:
  rules:
    - name: derive
      kind: reconcile
      severity: critical
    - name: echec-clients
      kind: reconcile
      entities: [clients]
      trigger: fail
{extra}
"""

FACTURES = [(f"F-{i:03d}", 100.0 + i) for i in range(1, 11)]
CLIENTS = [(f"C-{i:02d}", f"Client {i}") for i in range(1, 6)]


def write_side(path, factures, clients) -> None:
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE factures (num TEXT, montant REAL)")
    conn.execute("CREATE TABLE clients (code TEXT, nom TEXT)")
    conn.executemany("INSERT INTO factures VALUES (?, ?)", factures)
    conn.executemany("INSERT INTO clients VALUES (?, ?)", clients)
    conn.commit()
    conn.close()


def audit(config, store, tmp_path, factures, clients, day: dt.date | None = None) -> None:
    """Audit, then date the run's results at 02:00 UTC on ``day`` (the nightly audit)."""
    write_side(tmp_path / "new.db", factures, clients)
    run_id = run_reconciliation(config, store)["run"]["id"]
    if day is not None:
        at = dt.datetime.combine(day, dt.time(2), tzinfo=dt.UTC)
        with store.session() as session:
            session.execute(
                update(ReconcileResult)
                .where(ReconcileResult.run_id == run_id)
                .values(started_at=at, finished_at=at)
            )


def nightly(store, config, day: dt.date):
    """The alerts run of the night of ``day``: as of the day before, at 03:00."""
    now = dt.datetime.combine(day, dt.time(3), tzinfo=dt.UTC)
    return run_alerts(store, config, day - dt.timedelta(days=1), send=False, now=now)


def states(result) -> dict[tuple[str, str], str]:
    """(rule, scope) → state: the active alerts, and the last transition of the others."""
    found = {(t["rule"], t["scope"]): t["to"] for t in result.transitions}
    found.update({(a["rule"], a["scope"]): a["state"] for a in result.alerts})
    return found


@pytest.fixture
def setup(store_url, make_config, tmp_path):
    write_side(tmp_path / "legacy.db", FACTURES, CLIENTS)
    config = load_config(make_config(SECTION.format(extra=""), store=store_url))
    store = open_store(config.store_url)
    yield config, store
    store.engine.dispose()


def test_a_drift_after_a_clean_initial_audit_fires_and_known_gaps_do_not(setup, tmp_path):
    config, store = setup
    known_gap = [*CLIENTS[:-1], ("C-05", "Client cinq")]  # accepted at the initial audit
    day1, day2, day3 = dt.date(2026, 6, 1), dt.date(2026, 6, 2), dt.date(2026, 6, 3)

    audit(config, store, tmp_path, FACTURES, known_gap, day1)
    first = nightly(store, config, day1)
    found = states(first)
    assert ("derive", "entity:factures") not in found
    assert ("derive", "entity:clients") not in found  # known at the initial audit
    assert found[("echec-clients", "entity:clients")] == "firing"  # trigger: fail
    assert ("echec-clients", "entity:factures") not in found  # not an entity it watches

    drifted = [*FACTURES[:-1], ("F-010", 999.0)]
    audit(config, store, tmp_path, drifted, known_gap, day2)
    second = nightly(store, config, day2)
    assert states(second)[("derive", "entity:factures")] == "firing"
    assert ("derive", "entity:clients") not in states(second)
    alert = next(a for a in second.alerts if a["scope"] == "entity:factures")
    assert alert["value"] == 1 and alert["threshold"] == 0
    assert alert["detail"]["changed"] == 1

    worse = [*known_gap[:-2], ("C-04", "Client quatre"), known_gap[-1]]  # one more gap
    audit(config, store, tmp_path, FACTURES, worse, day3)
    third = nightly(store, config, day3)
    assert states(third)[("derive", "entity:factures")] == "resolved"
    assert states(third)[("derive", "entity:clients")] == "firing"  # grew from 1 to 2


def test_an_old_as_of_day_does_not_read_later_audits(setup, tmp_path):
    config, store = setup
    audit(config, store, tmp_path, [*FACTURES[:-1], ("F-010", 1.0)], CLIENTS, dt.date(2026, 6, 5))
    result = nightly(store, config, dt.date(2026, 6, 3))
    assert result.alerts == []
    assert {s["reason"] for s in result.skipped} == {"no audit result for this entity by this day"}
    later = nightly(store, config, dt.date(2026, 6, 5))
    assert later.skipped == []  # read: failing at its initial audit, so no drift to fire
    assert ("derive", "entity:factures") not in states(later)


def test_an_audit_that_cannot_run_fires_only_under_trigger_fail(setup, tmp_path):
    config, store = setup
    audit(config, store, tmp_path, FACTURES, CLIENTS)
    conn = sqlite3.connect(tmp_path / "new.db")
    conn.execute("DROP TABLE clients")
    conn.commit()
    conn.close()
    run_reconciliation(config, store)
    today = dt.datetime.now(dt.UTC).date()
    result = run_alerts(store, config, today, send=False)
    found = states(result)
    assert found[("echec-clients", "entity:clients")] == "firing"
    assert ("derive", "entity:clients") not in found
    assert any(
        s["scope"] == "entity:clients" and s["reason"].startswith("the audit could not run")
        for s in result.skipped
    )


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_message_names_the_entity_and_the_differences(locale):
    change = notify.Change(
        rule="derive",
        scope="entity:factures",
        kind=notify.FIRING_NEW,
        rule_kind="reconcile",
        kpi="reconcile",
        severity="critical",
        value=3,
        threshold=0,
        detail={"missing_in_new": 1, "extra_in_new": 0, "changed": 2, "initial_differences": 0},
    )
    line = notify.describe(change, locale)
    assert ("Entité factures" if locale == "fr" else "Entity factures") in line
    assert ("Audit de cohérence" if locale == "fr" else "Consistency audit") in line
    assert ("2 modifié(s)" if locale == "fr" else "2 changed") in line


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("kpi: adoption_rate", "rules[2] (x).kpi: a reconcile rule watches"),
        ("trigger: sometimes", "rules[2] (x).trigger"),
        ("entities: [1]", "rules[2] (x).entities[0]"),
    ],
)
def test_reconcile_rules_are_validated(make_config, rule, message):
    extra = f"    - name: x\n      kind: reconcile\n      {rule}\n"
    with pytest.raises(ConfigError) as info:
        load_config(make_config(SECTION.format(extra=extra)))
    assert message in str(info.value)
