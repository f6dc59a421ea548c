"""``hypercare reconcile`` as users script it, the stored history, and the demo's legacy export."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from click.testing import CliRunner

from hypercare.cli import main
from hypercare.config import load_config
from hypercare.demo.legacy import write_legacy
from metrics.reconcile import history, latest_results, run_reconciliation
from metrics.store import open_store

SECTION = """
reconciliation:
  sides:
    legacy: {url: "sqlite:///legacy.db"}
    new: {url: "sqlite:///new.db"}
  entities:
    - name: factures
      legacy: {query: "SELECT num, client, montant_ttc FROM factures"}
      new: {query: "SELECT number AS num, customer AS client, total AS montant_ttc FROM invoices"}
      key: [num]
      compare: [client, montant_ttc]
      sums: [montant_ttc]
      tolerance: {montant_ttc: 0.01}
    - name: clients
      legacy: {table: factures}
      new: {query: "SELECT number AS num, customer AS client FROM invoices"}
      key: [num]
      compare: [client]
"""
ENTITY_KEYS = {
    "name",
    "status",
    "rows",
    "missing_in_new",
    "extra_in_new",
    "changed",
    "duplicate_keys",
    "sums",
    "samples",
}


def invoke(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def write_sides(tmp_path, new_rows=None):
    rows = [(f"F-{i:04d}", f"Client {i % 3}", 10.0 + i) for i in range(1, 21)]
    for name, table, columns in (
        ("legacy.db", "factures", "num TEXT, client TEXT, montant_ttc REAL"),
        ("new.db", "invoices", "number TEXT, customer TEXT, total NUMERIC"),
    ):
        path = tmp_path / name
        path.unlink(missing_ok=True)
        conn = sqlite3.connect(path)
        conn.execute(f"CREATE TABLE {table} ({columns})")
        data = rows if name == "legacy.db" or new_rows is None else new_rows(rows)
        conn.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)", data)
        conn.commit()
        conn.close()


@pytest.fixture
def config(make_config, tmp_path):
    write_sides(tmp_path)
    return str(make_config(SECTION))


def test_identical_sides_exit_0_with_the_contract_json(config):
    result = invoke("reconcile", "--config", config, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [e["name"] for e in data["entities"]] == ["factures", "clients"]
    e = data["entities"][0]
    assert set(e) >= ENTITY_KEYS
    assert e["status"] == "pass"
    assert e["rows"] == {"legacy": 20, "new": 20}
    assert (e["missing_in_new"], e["extra_in_new"], e["changed"]) == (0, 0, 0)
    assert e["duplicate_keys"] == {"legacy": 0, "new": 0}
    assert e["sums"] == {"montant_ttc": {"legacy": 410.0, "new": 410.0, "diff": 0.0}}
    assert set(e["samples"]) >= {"missing_in_new", "extra_in_new", "changed"}
    assert data["run"]["status"] == "pass" and data["run"]["id"] is not None


def test_a_difference_exits_1_and_is_shown(config, tmp_path):
    def changed(rows):
        rows = [list(r) for r in rows if r[0] != "F-0004"]
        rows[0][2] += 5
        return [*rows, ("F-0099", "Client 9", 1.0)]

    write_sides(tmp_path, changed)
    result = invoke("reconcile", "--config", config, "--format", "json", "--entity", "factures")
    assert result.exit_code == 1, result.output
    (e,) = json.loads(result.output)["entities"]
    assert e["status"] == "fail"
    assert e["samples"]["missing_in_new"] == ["F-0004"]
    assert e["samples"]["extra_in_new"] == ["F-0099"]
    assert e["samples"]["changed"][0]["key"] == "F-0001"
    assert e["samples"]["changed"][0]["columns"] == ["montant_ttc"]
    table = invoke("reconcile", "--config", config)
    assert table.exit_code == 1
    assert "factures  FAIL" in table.output and "missing in new: F-0004" in table.output
    assert "changed F-0001: montant_ttc '11' → '16'" in table.output


def test_an_entity_in_error_exits_1(make_config, tmp_path):
    write_sides(tmp_path)
    path = make_config(SECTION.replace("compare: [client]", "compare: [nowhere]"))
    result = invoke("reconcile", "--config", str(path))
    assert result.exit_code == 1
    assert "ERROR" in result.output and "column 'nowhere' is missing" in result.output


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("locale: fr\n", "reconciliation: no such section"),
        (SECTION.replace("key: [num]", "key: {num: 1}", 1), "key: expected a column name"),
        (SECTION.replace('url: "sqlite:///new.db"', "urll: x"), "sides.new.urll: unknown key"),
    ],
)
def test_a_bad_config_exits_2(make_config, tmp_path, body, message):
    result = invoke("reconcile", "--config", str(make_config(body)))
    assert result.exit_code == 2
    assert message in result.output


def test_an_unknown_entity_exits_2(config):
    result = invoke("reconcile", "--config", config, "--entity", "paiements")
    assert result.exit_code == 2
    assert "--entity 'paiements' is not an entity" in result.output
    assert "clients, factures" in result.output


def test_runs_are_stored_with_their_history(make_config, tmp_path, store_url):
    write_sides(tmp_path)
    config = load_config(make_config(SECTION, store=store_url))
    store = open_store(config.store_url)
    try:
        first = run_reconciliation(config, store)
        write_sides(tmp_path, lambda rows: rows[:-1])
        second = run_reconciliation(config, store, ["factures"])
        assert second["run"]["id"] > first["run"]["id"]
        latest = {r["entity"]: r for r in latest_results(store)}
        assert latest["factures"]["status"] == "fail"
        assert latest["factures"]["previous_status"] == "pass"  # a drift after the audit
        assert latest["factures"]["missing_in_new"] == 1
        assert latest["factures"]["detail"]["samples"]["missing_in_new"] == ["F-0020"]
        assert latest["clients"]["status"] == "pass" and latest["clients"]["runs"] == 1
        steps = history(store, "factures")
        assert [s["status"] for s in steps] == ["pass", "fail"]
        assert steps[1]["rows"] == {"legacy": 20, "new": 19}
        assert steps[0]["checked_at"] <= steps[1]["checked_at"]
        assert history(store, "factures", limit=1) == steps[1:]
    finally:
        store.dispose()


def test_no_store_leaves_the_store_alone(config, tmp_path):
    result = invoke("reconcile", "--config", config, "--no-store", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output)["run"]["id"] is None
    store = open_store(load_config(config).store_url)
    try:
        assert latest_results(store) == []
    finally:
        store.dispose()


def test_the_demo_legacy_export_has_its_planted_discrepancies(tmp_path):
    written = write_legacy(
        tmp_path / "hypercare-demo", dt.date(2026, 5, 31), 7, config_dir=tmp_path
    )
    config_path = tmp_path / "hypercare.yaml"
    config_path.write_text(
        f"store: {{url: 'sqlite:///{tmp_path / 'store.db'}'}}\n{written['yaml']}", encoding="utf-8"
    )
    result = invoke("reconcile", "--config", str(config_path), "--format", "json")
    assert result.exit_code == 1, result.output
    entities = {e["name"]: e for e in json.loads(result.output)["entities"]}
    planted = written["planted"]
    factures = entities["factures"]
    assert factures["samples"]["missing_in_new"] == planted["factures"]["missing_in_new"]
    assert factures["samples"]["extra_in_new"] == planted["factures"]["extra_in_new"]
    assert [c["key"] for c in factures["samples"]["changed"]] == planted["factures"]["changed"]
    assert factures["changed_columns"] == {"montant_ttc": 3}  # cent rounding is not flagged
    assert factures["samples"]["duplicate_keys"]["new"] == planted["factures"]["duplicate_keys_new"]
    (mangled,) = entities["clients"]["samples"]["changed"]
    assert mangled["key"] == planted["clients"]["encoding"][0]
    assert mangled["encoding"] == ["nom"] and "SociÃ©tÃ©" in mangled["new"]["nom"]
    assert entities["produits"]["status"] == "pass"
    assert entities["reglements"]["status"] == "pass"
