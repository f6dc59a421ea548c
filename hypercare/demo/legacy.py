"""The demo company's legacy export and the new tool's replica, for the consistency audit.

Dubois Équipements invoiced with an old desktop tool (« l'ancien logiciel ») until the
migration. :func:`write_legacy` writes, under ``exports/``:

* ``ancien_logiciel.db``: the old tool's SQLite file: ``clients``, ``produits``, ``factures``
  (naive local times, amounts stored as floats or as French text ``"1 234,50"``, empty strings for
  missing values, names padded with trailing spaces), ``reglements``;
* ``clients.csv``: the old tool's customer export (``;``, cp1252, as Excel on Windows writes it);
* ``nouveau_saas.db``: a replica of the new SaaS's database (UTC times with their offset,
  ``NUMERIC`` amounts, NULLs, English names).

Only invoices of the last twelve months were migrated (the config filters both sides with
``where``). A few discrepancies are planted, as a real migration leaves them: two invoices never
made it, one was created twice (a retried import) and one exists only in the new tool (typed in
after the cut-over); three amounts differ although the counts match; one customer's name lost its
accents to an encoding change (``SociÃ©tÃ©``). Cent-rounding noise on the amounts is within the
tolerance and must not be reported.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sqlite3
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["write_legacy"]

EXPORTS = "exports"
LEGACY_DB = "ancien_logiciel.db"
NEW_DB = "nouveau_saas.db"
CLIENTS_CSV = "clients.csv"
LOCAL = ZoneInfo("Europe/Paris")
MIGRATED_MONTHS = 12
TVA = 0.2

_COMPANIES = [
    "Boulangerie Martin",
    "Garage Lefèvre",
    "Société Générale d'Équipement",
    "Menuiserie Rousseau",
    "Cabinet Dupré & Associés",
    "Hôtel du Lac",
    "Transports Moreau",
    "Pépinières Girard",
    "Électricité Bernard",
    "Fromagerie Chevalier",
    "Imprimerie Lambert",
    "Clinique vétérinaire Fontaine",
    "Brasserie du Château",
    "Quincaillerie Mercier",
    "Atelier Blanc",
    "Coopérative agricole de l'Yonne",
    "Plomberie Faure",
    "Librairie Perrin",
    "Crèche Les Petits Pas",
    "Mairie de Saint-Rémy",
]
_CITIES = ["Auxerre", "Dijon", "Sens", "Troyes", "Beaune", "Chablis", "Joigny", "Avallon", ""]
_PRODUCTS = [
    ("Compresseur 50 L", 289.0),
    ("Perceuse à percussion", 129.99),
    ("Établi d'atelier", 349.0),
    ("Lot de 10 disques à tronçonner", 24.45),
    ("Échafaudage roulant", 1180.0),
    ("Groupe électrogène 3 kW", 799.0),
    ("Nettoyeur haute pression", 459.0),
    ("Transpalette manuel", 389.0),
    ("Contrat de maintenance annuel", 960.0),
    ("Location benne 10 m³ (jour)", 145.0),
    ("Gants de protection (boîte)", 18.95),
    ("Meuleuse d'angle 125 mm", 89.95),
]


def _french(amount: float) -> str:
    """``1234.5`` → ``"1 234,50"`` as the old tool stored some amounts."""
    whole, cents = f"{amount:,.2f}".split(".")
    return f"{whole.replace(',', ' ')},{cents}"


def _mangled(name: str) -> str:
    """The name as a UTF-8 → cp1252 mix-up writes it: ``Société`` → ``SociÃ©tÃ©``."""
    return name.encode("utf-8").decode("cp1252", errors="replace")


def write_legacy(
    directory: Path, today: dt.date, seed: int = 7, *, config_dir: Path | None = None
) -> dict[str, Any]:
    """Write the legacy export and the new tool's replica under ``directory/exports``.

    Returns the paths (``legacy_db``, ``new_db``, ``clients_csv``), ``yaml`` (the
    ``reconciliation:`` section to append to a config file in ``config_dir``, by default
    ``directory``) and ``planted`` (the keys of every planted discrepancy, by entity and class).
    """
    rng = random.Random(seed)
    exports = directory / EXPORTS
    exports.mkdir(parents=True, exist_ok=True)
    paths = {"legacy_db": exports / LEGACY_DB, "new_db": exports / NEW_DB}
    paths["clients_csv"] = exports / CLIENTS_CSV
    for path in (paths["legacy_db"], paths["new_db"]):
        path.unlink(missing_ok=True)

    clients = [(f"C{100 + i:04d}", name, rng.choice(_CITIES)) for i, name in enumerate(_COMPANIES)]
    padded = {
        code: name + ("  " if i % 4 == 0 else "") for i, (code, name, _) in enumerate(clients)
    }
    products = [(f"P-{i + 1:03d}", label, price) for i, (label, price) in enumerate(_PRODUCTS)]
    cutoff = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    for _ in range(MIGRATED_MONTHS - 2):
        cutoff = (cutoff - dt.timedelta(days=1)).replace(day=1)
    first = cutoff - dt.timedelta(days=180)  # older invoices stay in the old tool only

    invoices = []  # (number, customer code, local time, amount excl. tax, status)
    day, number = first, 1
    while day < today:
        if day.weekday() < 5:
            for _ in range(rng.choice((2, 3, 4, 5))):
                at = dt.datetime.combine(day, dt.time(rng.randint(8, 18), rng.randint(0, 59)))
                lines = rng.randint(1, 4)
                ht = sum(rng.choice(products)[2] * rng.randint(1, 3) for _ in range(lines))
                ht = round(ht, 2)
                status = "payée" if day < today - dt.timedelta(days=45) else "émise"
                invoices.append(
                    (f"F{day.year}-{number:05d}", rng.choice(clients)[0], at, ht, status)
                )
                number += 1
        day += dt.timedelta(days=1)
    migrated = [inv for inv in invoices if inv[2].date() >= cutoff]

    # -- the discrepancies ----------------------------------------------------------------------
    picks = rng.sample(range(10, len(migrated) - 10), 6)
    missing = sorted(migrated[i][0] for i in picks[:2])
    changed = sorted(migrated[i][0] for i in picks[2:5])
    duplicated = migrated[picks[5]][0]
    extra = f"F{today.year}-{number + 40:05d}"
    mangled_client = clients[2]  # Société Générale d'Équipement

    legacy = sqlite3.connect(paths["legacy_db"])
    legacy.executescript(
        """
        CREATE TABLE clients (code_client TEXT PRIMARY KEY, raison_sociale TEXT, ville TEXT);
        CREATE TABLE produits (ref TEXT PRIMARY KEY, libelle TEXT, prix_ht TEXT, taux_tva REAL);
        CREATE TABLE factures (num TEXT, code_client TEXT, date_facture TEXT,
                               montant_ht REAL, montant_ttc REAL, statut TEXT);
        CREATE TABLE reglements (num_facture TEXT, date_reglement TEXT, montant REAL);
        """
    )
    legacy.executemany(
        "INSERT INTO clients VALUES (?, ?, ?)",
        [(code, padded[code], city) for code, _, city in clients],
    )
    legacy.executemany(
        "INSERT INTO produits VALUES (?, ?, ?, ?)",
        [(ref, label, _french(price), TVA) for ref, label, price in products],
    )
    legacy.executemany(
        "INSERT INTO factures VALUES (?, ?, ?, ?, ?, ?)",
        [
            (num, client, at.strftime("%Y-%m-%d %H:%M:%S"), ht, round(ht * (1 + TVA), 2), status)
            for num, client, at, ht, status in invoices
        ],
    )
    legacy.executemany(
        "INSERT INTO reglements VALUES (?, ?, ?)",
        [
            (num, (at + dt.timedelta(days=30)).strftime("%d/%m/%Y"), round(ht * (1 + TVA), 2))
            for num, _, at, ht, status in invoices
            if status == "payée"
        ],
    )
    legacy.commit()
    legacy.close()

    with open(paths["clients_csv"], "w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(["Code client", "Raison sociale", "Ville"])
        for code, _, city in clients:
            writer.writerow([code, padded[code], city])

    new = sqlite3.connect(paths["new_db"])
    new.executescript(
        """
        CREATE TABLE customers (id INTEGER PRIMARY KEY, code TEXT, name TEXT, city TEXT);
        CREATE TABLE products (sku TEXT, label TEXT, unit_price NUMERIC, vat_rate NUMERIC);
        CREATE TABLE invoices (id INTEGER PRIMARY KEY, number TEXT, customer_code TEXT,
                               issued_at TEXT, total_excl_tax NUMERIC, total_incl_tax REAL,
                               status TEXT);
        CREATE TABLE payments (invoice_number TEXT, paid_on TEXT, amount NUMERIC);
        """
    )
    new.executemany(
        "INSERT INTO customers (code, name, city) VALUES (?, ?, ?)",
        [
            (code, _mangled(name) if code == mangled_client[0] else name, city or None)
            for code, name, city in clients
        ],
    )
    new.executemany(
        "INSERT INTO products VALUES (?, ?, ?, ?)",
        [(ref, label, price, TVA) for ref, label, price in products],
    )
    rows = []
    for num, client, at, ht, status in migrated:
        if num in missing:
            continue
        utc = at.replace(tzinfo=LOCAL).astimezone(dt.UTC)
        ttc = ht * (1 + TVA)  # unrounded: float noise and half-cent rounding, within tolerance
        if num in changed:
            ttc = round(ttc + rng.choice((-1, 1)) * rng.choice((10.0, 24.0, 100.0)), 2)
        english = {"payée": "paid", "émise": "sent"}[status]
        row = (num, client, utc.isoformat(), ht, ttc, english)
        rows.append(row)
        if num == duplicated:
            rows.append(row)
    extra_at = dt.datetime.combine(today - dt.timedelta(days=2), dt.time(10, 30), LOCAL)
    rows.append(
        (extra, clients[0][0], extra_at.astimezone(dt.UTC).isoformat(), 100.0, 120.0, "sent")
    )
    new.executemany(
        "INSERT INTO invoices (number, customer_code, issued_at, total_excl_tax, "
        "total_incl_tax, status) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    new.executemany(  # the payments received since the cut-over
        "INSERT INTO payments VALUES (?, ?, ?)",
        [
            (num, paid.isoformat(), round(ht * (1 + TVA), 2))
            for num, _, at, ht, status in invoices
            if status == "payée" and (paid := (at + dt.timedelta(days=30)).date()) >= cutoff
        ],
    )
    new.commit()
    new.close()

    base = config_dir or directory
    relative = {name: _relative(path, base) for name, path in paths.items()}
    return {
        **paths,
        "yaml": YAML_TEMPLATE.format(cutoff=cutoff.isoformat(), **relative),
        "planted": {
            "factures": {
                "missing_in_new": missing,
                "extra_in_new": [extra],
                "changed": changed,
                "duplicate_keys_new": [duplicated],
            },
            "clients": {"changed": [mangled_client[0]], "encoding": [mangled_client[0]]},
        },
        "cutoff": cutoff,
    }


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


YAML_TEMPLATE = """reconciliation:       # hypercare reconcile: the old tool against the new one
  timezone: Europe/Paris
  sides:
    legacy: {{url: "sqlite:///{legacy_db}"}}          # naive local times
    new: {{url: "sqlite:///{new_db}", timezone: UTC}}   # the replica of the SaaS
  entities:
    - name: clients
      legacy:                   # the old tool's customer export (cp1252, as Excel writes it)
        path: {clients_csv}
        csv: {{delimiter: ";", encoding: cp1252}}
        columns: {{code: Code client, nom: Raison sociale, ville: Ville}}
      new: {{query: "SELECT code, name AS nom, city AS ville FROM customers"}}
      key: [code]
      compare: [nom, ville]
    - name: produits
      legacy: {{query: "SELECT ref, libelle, prix_ht, taux_tva FROM produits"}}
      new: {{query: "SELECT sku AS ref, label AS libelle, unit_price AS prix_ht,
                     vat_rate AS taux_tva FROM products"}}
      key: [ref]
      tolerance: {{prix_ht: 0.001}}
    - name: factures
      legacy: {{query: "SELECT num, code_client AS client, date_facture, montant_ttc
                        FROM factures"}}
      new: {{query: "SELECT number AS num, customer_code AS client, issued_at AS date_facture,
                     total_incl_tax AS montant_ttc FROM invoices"}}
      where: {{date_facture: {{">=": "{cutoff}"}}}}   # only the last twelve months were migrated
      key: [num]
      compare: [client, date_facture, montant_ttc]
      sums: [montant_ttc]
      min_max: [date_facture]
      group_by: month(date_facture)
      tolerance: {{montant_ttc: 0.01}}
    - name: reglements          # no key: totals and monthly totals only
      legacy: {{query: "SELECT date_reglement, montant FROM reglements", dates: {{dayfirst: true}}}}
      new: {{query: "SELECT paid_on AS date_reglement, amount AS montant FROM payments"}}
      types: {{date_reglement: date}}
      where: {{date_reglement: {{">=": "{cutoff}"}}}}
      sums: [montant]
      group_by: month(date_reglement)
      tolerance: {{montant: 0.01}}
"""
