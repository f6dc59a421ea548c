"""The consistency audit on real databases: legacy on SQLite, new on SQLite and PostgreSQL.

TESTING.md items 8 (identical sides pass once normalized), 9 (each planted difference is found
with its key and class; tolerances hold) and 11 (mappings and filters apply to both sides; a
missing column or a wrong type is reported, not crashed on).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal

import pytest
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
)

from hypercare.config import load_config
from metrics.reconcile import run_reconciliation

PARIS = dt.timezone(dt.timedelta(hours=2))  # Europe/Paris in summer


def make_table(url: str, name: str, columns: dict, rows: list[dict]) -> None:
    """Create ``name`` with ``columns`` (name → SQLAlchemy type) at ``url`` and insert rows."""
    engine = create_engine(url)
    metadata = MetaData()
    table = Table(name, metadata, *(Column(c, t) for c, t in columns.items()))
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as conn:
        if rows:
            conn.execute(table.insert(), rows)
    engine.dispose()


def run(make_config, body: str, entities=None) -> dict:
    config = load_config(make_config(body))
    return run_reconciliation(config, None, entities)


def entity(result: dict, name: str) -> dict:
    (found,) = [e for e in result["entities"] if e["name"] == name]
    return found


LEGACY_COLUMNS = {
    "num": String(20),
    "client": String(100),
    "ville": String(100),
    "montant": Float(),
    "emis_le": String(30),
    "jour": String(10),
}


def legacy_invoices(count: int = 30) -> list[dict]:
    return [
        {
            "num": f"F-{i:04d}",
            "client": f"Client {i % 5}",
            "ville": "" if i % 3 == 0 else "Dijon",
            "montant": 10 + i * 1.1,
            "emis_le": f"2026-05-{1 + i % 28:02d} {8 + i % 10:02d}:30:00",
            "jour": f"{1 + i % 28:02d}/05/2026",
        }
        for i in range(1, count + 1)
    ]


NEW_COLUMNS = {
    "number": String(20),
    "customer": String(100),
    "city": String(100),
    "total": Numeric(12, 2),
    "issued_at": DateTime(timezone=True),
    "issued_on": Date(),
}


def as_new(row: dict) -> dict:
    """The same invoice as the new tool stores it: UTC, NUMERIC, NULL, NFC."""
    local = dt.datetime.fromisoformat(row["emis_le"]).replace(tzinfo=PARIS)
    return {
        "number": row["num"],
        "customer": row["client"],
        "city": row["ville"] or None,
        "total": Decimal(str(round(row["montant"], 2))),
        "issued_at": local.astimezone(dt.UTC),
        "issued_on": dt.datetime.strptime(row["jour"], "%d/%m/%Y").date(),
    }


SECTION = """
timezone: Europe/Paris
reconciliation:
  sides:
    legacy: {{url: "sqlite:///legacy.db"}}
    new: {{url_env: HYPERCARE_NEW_DB_URL, timezone: UTC}}
  entities:
    - name: factures
      legacy: {{query: "SELECT num, client, ville, montant, emis_le, jour FROM factures"}}
      new:
        query: "SELECT number AS num, customer AS client, city AS ville, total AS montant,
                issued_at AS emis_le, issued_on AS jour FROM invoices"
      key: [num]
      compare: [client, ville, montant, emis_le, jour]
      sums: [montant]
      min_max: [emis_le]
      types: {{jour: date}}
      tolerance: {{montant: 0.01}}
      {extra}
"""


@pytest.fixture
def sides(store_url, tmp_path, monkeypatch):
    """Legacy on SQLite beside the config; new on SQLite or PostgreSQL (HYPERCARE_NEW_DB_URL)."""
    monkeypatch.setenv("HYPERCARE_NEW_DB_URL", store_url)

    def write(legacy_rows: list[dict], new_rows: list[dict]) -> None:
        make_table(f"sqlite:///{tmp_path / 'legacy.db'}", "factures", LEGACY_COLUMNS, legacy_rows)
        make_table(store_url, "invoices", NEW_COLUMNS, new_rows)

    return write


def test_identical_sides_pass_across_engines_once_normalized(sides, make_config, tmp_path):
    legacy = legacy_invoices()
    legacy[0]["montant"] = 0.1 + 0.2  # 0.30000000000000004 against NUMERIC 0.30
    legacy[1]["client"] = unicodedata.normalize("NFD", "Société Générale") + "   "
    new = [as_new(r) for r in legacy]
    new[1]["customer"] = "Société Générale"  # NFC, no trailing spaces
    sides(legacy, list(reversed(new)))  # rows in another order
    result = run(make_config, SECTION.format(extra=""), None)
    e = entity(result, "factures")
    assert e["status"] == "pass", e
    assert e["rows"] == {"legacy": 30, "new": 30}
    assert (e["missing_in_new"], e["extra_in_new"], e["changed"]) == (0, 0, 0)
    assert e["duplicate_keys"] == {"legacy": 0, "new": 0}
    total = sum(Decimal(str(round(r["montant"], 2))) for r in legacy)
    assert e["sums"]["montant"] == {"legacy": float(total), "new": float(total), "diff": 0.0}
    assert e["types"]["emis_le"] == "datetime" and e["types"]["montant"] == "number"
    assert e["min_max"]["emis_le"]["legacy"] == e["min_max"]["emis_le"]["new"]
    assert e["checks"] == {"totals": "pass", "groups": None, "keys": "pass"}


def test_planted_differences_are_each_found_with_their_key(sides, make_config):
    legacy = legacy_invoices()
    new = [as_new(r) for r in legacy if r["num"] not in ("F-0003", "F-0011")]  # 2 missing
    by_number = {r["number"]: r for r in new}
    by_number["F-0005"]["total"] += Decimal("10.00")  # 3 changed amounts
    by_number["F-0007"]["total"] -= Decimal("0.02")
    by_number["F-0020"]["total"] = Decimal("0.00")
    by_number["F-0001"]["total"] += Decimal("0.004")  # rounding within tolerance: not flagged
    by_number["F-0009"]["customer"] = "SociÃ©tÃ©"  # an encoding change
    legacy[8]["client"] = "Société"
    extra = as_new({**legacy[0], "num": "F-0100"})
    new += [extra, dict(by_number["F-0015"])]  # 1 extra, 1 duplicated key
    sides(legacy, new)
    e = entity(run(make_config, SECTION.format(extra="")), "factures")
    assert e["status"] == "fail"
    assert e["rows"] == {"legacy": 30, "new": 30}
    assert (e["missing_in_new"], e["extra_in_new"], e["changed"]) == (2, 1, 4)
    assert e["duplicate_keys"] == {"legacy": 0, "new": 1}
    samples = e["samples"]
    assert samples["missing_in_new"] == ["F-0003", "F-0011"]
    assert samples["extra_in_new"] == ["F-0100"]
    assert samples["duplicate_keys"] == {"legacy": [], "new": ["F-0015"]}
    changed = {c["key"]: c for c in samples["changed"]}
    assert set(changed) == {"F-0005", "F-0007", "F-0009", "F-0020"}
    assert changed["F-0005"]["columns"] == ["montant"]
    assert changed["F-0005"]["new"]["montant"] == str(Decimal(str(round(10 + 5 * 1.1, 2))) + 10)
    assert changed["F-0009"]["columns"] == ["client"]
    assert changed["F-0009"]["encoding"] == ["client"]
    assert "encoding" not in changed["F-0005"]
    assert e["changed_columns"] == {"montant": 3, "client": 1}


def test_changed_amounts_with_equal_counts_fail_the_sums(sides, make_config):
    legacy = legacy_invoices(12)
    new = [as_new(r) for r in legacy]
    new[4]["total"] += Decimal("100")
    new[6]["total"] -= Decimal("100")  # the sum is even equal again
    sides(legacy, new)
    body = SECTION.format(extra="sum_tolerance: {montant: 0.5}")
    e = entity(run(make_config, body), "factures")
    assert e["rows"] == {"legacy": 12, "new": 12}
    assert e["checks"]["totals"] == "pass"  # equal counts and sums: only the keys tell
    assert e["checks"]["keys"] == "fail" and e["changed"] == 2
    assert [c["key"] for c in e["samples"]["changed"]] == ["F-0005", "F-0007"]


KEYLESS = """
reconciliation:
  sides:
    legacy: {{url: "sqlite:///legacy.db"}}
    new: {{url: "sqlite:///new.db"}}
  entities:
    - name: reglements
      legacy: {{table: reglements}}
      new: {{table: reglements}}
      sums: [montant]
      group_by: month(paye_le)
      {extra}
"""


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ("", "fail"),
        ("count_tolerance: 1\n      sum_tolerance: {montant: 10}", "pass"),
        ("count_tolerance: 1\n      sum_tolerance: {montant: 9.99}", "fail"),
        ("count_tolerance: {rel: 0.5}\n      sum_tolerance: {montant: {rel: 0.5}}", "pass"),
    ],
)
def test_count_and_sum_differences_respect_their_tolerances(make_config, tmp_path, extra, status):
    columns = {"paye_le": Date(), "montant": Numeric(10, 2)}
    rows = [
        {"paye_le": dt.date(2026, 4 + i % 2, 1 + i), "montant": Decimal("10")} for i in range(6)
    ]
    make_table(f"sqlite:///{tmp_path / 'legacy.db'}", "reglements", columns, rows)
    make_table(f"sqlite:///{tmp_path / 'new.db'}", "reglements", columns, rows[:-1])
    e = entity(run(make_config, KEYLESS.format(extra=extra)), "reglements")
    assert e["status"] == status, e["reasons"]
    assert e["rows"] == {"legacy": 6, "new": 5}
    assert e["sums"]["montant"] == {"legacy": 60.0, "new": 50.0, "diff": -10.0} or status != "fail"
    assert e["missing_in_new"] is None  # no key: totals and groups only
    groups = e["groups"]
    assert groups["by"] == ["month(paye_le)"] and groups["checked"] == 2
    if status == "fail" and not extra:
        assert [g["group"] for g in groups["samples"]] == ["2026-05"]


def test_composite_text_keys_and_monthly_groups(make_config, tmp_path):
    columns = {"annee": Integer(), "num": String(10), "montant": Numeric(10, 2), "le": Date()}
    rows = [
        {"annee": y, "num": f"{n:03d}", "montant": Decimal(n), "le": dt.date(y, 1 + n % 3, 5)}
        for y in (2025, 2026)
        for n in range(1, 10)
    ]
    new_rows = [dict(r) for r in rows]
    new_rows[3]["montant"] = Decimal("99")  # (2025, 004)
    make_table(f"sqlite:///{tmp_path / 'legacy.db'}", "f", columns, rows)
    make_table(f"sqlite:///{tmp_path / 'new.db'}", "f", columns, new_rows)
    body = KEYLESS.replace("reglements", "f").format(extra="key: [annee, num]")
    body = body.replace("month(paye_le)", "month(le)")
    e = entity(run(make_config, body), "f")
    assert e["samples"]["changed"][0]["key"] == ["2025", "004"]
    assert e["samples"]["changed"][0]["columns"] == ["montant"]
    assert [g["group"] for g in e["groups"]["samples"]] == ["2025-02"]
    assert e["groups"]["samples"][0]["sums"]["montant"]["diff"] == 95.0


MAPPED = """
reconciliation:
  sides:
    legacy: {url: "sqlite:///legacy.db"}
    new: {url: "sqlite:///new.db"}
  entities:
    - name: clients
      legacy:
        query: "SELECT * FROM clients"
        columns: {code: Code, nom: Raison sociale}
        where: {archive: 0}
      new: {table: customers, columns: {code: id, nom: name}}
      key: [code]
      compare: [nom, statut]
      where: {statut: {"in": [actif, suspendu]}}
"""


def test_mappings_and_filters_apply_to_both_sides(make_config, tmp_path):
    legacy_columns = {
        "Code": Integer(),
        "Raison sociale": String(50),
        "statut": String(20),
        "archive": Integer(),
    }
    legacy = [
        {"Code": 1, "Raison sociale": "Alpha", "statut": "actif", "archive": 0},
        {"Code": 2, "Raison sociale": "Beta", "statut": "prospect", "archive": 0},  # filtered
        {"Code": 3, "Raison sociale": "Gamma", "statut": "actif", "archive": 1},  # legacy only
        {"Code": 4, "Raison sociale": "Delta", "statut": "suspendu", "archive": 0},
    ]
    new = [
        {"id": "1", "name": "Alpha", "statut": "actif"},
        {"id": "2", "name": "Beta (new name)", "statut": "prospect"},
        {"id": "4", "name": "Delta", "statut": "suspendu"},
    ]
    make_table(f"sqlite:///{tmp_path / 'legacy.db'}", "clients", legacy_columns, legacy)
    new_columns = {"statut": String(20), "name": String(50), "id": String(10)}  # other order
    make_table(f"sqlite:///{tmp_path / 'new.db'}", "customers", new_columns, new)
    e = entity(run(make_config, MAPPED), "clients")
    assert e["status"] == "pass", e
    assert e["rows"] == {"legacy": 2, "new": 2}
    assert e["types"]["code"] == "number"  # 1 against "1": read as numbers


def test_a_missing_column_or_a_wrong_type_is_reported_not_crashed_on(make_config, tmp_path):
    make_table(
        f"sqlite:///{tmp_path / 'legacy.db'}",
        "t",
        {"k": Integer(), "d": Date(), "n": Numeric(10, 2)},
        [{"k": 1, "d": dt.date(2026, 1, 1), "n": Decimal("1.5")}],
    )
    make_table(
        f"sqlite:///{tmp_path / 'new.db'}",
        "t",
        {"k": Integer(), "d": Numeric(10, 2), "label": String(10)},
        [{"k": 1, "d": Decimal("46023"), "label": "x"}],
    )
    body = """
    reconciliation:
      sides:
        legacy: {url: "sqlite:///legacy.db"}
        new: {url: "sqlite:///new.db"}
      entities:
        - {name: missing, legacy: {table: t}, new: {table: t}, key: [k], compare: [n]}
        - {name: wrong_type, legacy: {table: t}, new: {table: t}, key: [k], compare: [d]}
        - {name: not_a_number, legacy: {table: t}, new: {query: "SELECT k, label AS n FROM t"},
           key: [k], compare: [n]}
        - {name: no_table, legacy: {table: t}, new: {table: nowhere}, key: [k]}
        - {name: fine, legacy: {table: t}, new: {table: t}, key: [k], compare: []}
    """
    result = run(make_config, body)
    missing = entity(result, "missing")
    assert missing["status"] == "error"
    assert "column 'n' is missing on the new" in missing["message"]
    assert "k, d, label" in missing["message"]
    wrong = entity(result, "wrong_type")
    assert wrong["status"] == "error"  # SQLite returns the date as text: not a number
    assert "column 'd'" in wrong["message"] and "'2026-01-01'" in wrong["message"]
    nan = entity(result, "not_a_number")
    assert nan["status"] == "error" and "'x'" in nan["message"]
    assert entity(result, "no_table")["status"] == "error"
    assert "nowhere" in entity(result, "no_table")["message"]
    assert entity(result, "fine")["status"] == "pass"
    assert result["run"]["status"] == "error"


def test_a_csv_export_as_the_legacy_side(make_config, write, tmp_path):
    write(
        "exports/factures.csv",
        "N° facture;Client;Montant TTC;Date\r\n"
        "F-1;Société Dupont;1 234,50;31/05/2026 23:30\r\n"
        "F-2;Hôtel du Lac  ;12,00;01/06/2026 09:00\r\n"
        "F-3;Garage;0,10;01/06/2026 10:00\r\n",
        encoding="cp1252",
    )
    make_table(
        f"sqlite:///{tmp_path / 'new.db'}",
        "invoices",
        {"num": String(10), "client": String(50), "total": Float(), "at": String(30)},
        [
            {"num": "F-1", "client": "Société Dupont", "total": 1234.5, "at": "2026-05-31T21:30Z"},
            {"num": "F-2", "client": "Hôtel du Lac", "total": 12.0, "at": "2026-06-01T07:00Z"},
            {"num": "F-3", "client": "Garage", "total": 0.1, "at": "2026-06-01T08:00Z"},
        ],
    )
    body = """
    reconciliation:
      timezone: Europe/Paris
      sides:
        legacy:
          path: exports/factures.csv
          csv: {delimiter: ";", encoding: cp1252, decimal: ","}
          dates: {dayfirst: true}
        new: {url: "sqlite:///new.db"}
      entities:
        - name: factures
          legacy: {columns: {num: N° facture, client: Client, montant: Montant TTC, le: Date}}
          new: {query: "SELECT num, client, total AS montant, at AS le FROM invoices"}
          key: [num]
          compare: [client, montant, le]
          types: {le: datetime}
          sums: [montant]
    """
    e = entity(run(make_config, body), "factures")
    assert e["status"] == "pass", e
    assert e["sums"]["montant"]["legacy"] == pytest.approx(1246.6)


def test_sides_are_only_read(make_config, tmp_path, pg_url, monkeypatch):
    """A SQLite side is opened read-only and a PostgreSQL side in a read-only transaction."""
    make_table(f"sqlite:///{tmp_path / 'legacy.db'}", "t", {"k": Integer()}, [{"k": 1}])
    make_table(pg_url, "t", {"k": Integer()}, [{"k": 1}])
    monkeypatch.setenv("HYPERCARE_NEW_DB_URL", pg_url)
    body = """
    reconciliation:
      sides:
        legacy: {url: "sqlite:///legacy.db"}
        new: {url_env: HYPERCARE_NEW_DB_URL}
      entities:
        - {name: writes_legacy, legacy: {query: "DELETE FROM t RETURNING k"}, new: {table: t},
           key: [k]}
        - {name: writes_new, legacy: {table: t}, new: {query: "DELETE FROM t RETURNING k"},
           key: [k]}
        - {name: missing_file, legacy: {url: "sqlite:///nowhere.db", table: t},
           new: {table: t}, key: [k]}
    """
    result = run(make_config, body)
    assert entity(result, "writes_legacy")["status"] == "error"
    assert "readonly" in entity(result, "writes_legacy")["message"]
    assert entity(result, "writes_new")["status"] == "error"
    assert "no such SQLite file" in entity(result, "missing_file")["message"]
    assert not (tmp_path / "nowhere.db").exists()
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
    engine.dispose()
