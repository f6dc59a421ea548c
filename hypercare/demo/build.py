"""``hypercare demo``: write the demo company's exports and a config, then load them through the
real collectors into a store.

The config goes to ``DIR/hypercare.yaml`` (so that ``hypercare report`` finds it when run from
``DIR``), the exports and the default SQLite store to ``DIR/hypercare-demo/``, and a random
pseudonymization key to ``DIR/.streamlit/secrets.toml`` unless ``HYPERCARE_SECRET_KEY`` is set.
"""

from __future__ import annotations

import datetime as dt
import secrets
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, make_url, select

from hypercare.config import SECRET_KEY_ENV, load_config, read_secret
from hypercare.demo.company import write_demo_company
from hypercare.demo.feedback import write_demo_feedback
from hypercare.demo.legacy import write_legacy
from metrics.store import open_store
from metrics.store.models import Base, IngestFile

DEMO_MARKER = "# Hypercare demo config"
DATA_DIR = "hypercare-demo"
COMPANY_TZ = "Europe/Paris"


class DemoError(Exception):
    """The demo cannot be built where asked (a user's own config or store is in the way)."""


@dataclass
class DemoResult:
    config_path: Path
    store_label: str
    people: int
    usage_files: int
    outcomes: list


CONFIG_TEMPLATE = """{marker} — written by `hypercare demo`; rewritten by the next demo.
# Dubois Équipements, a French SME six months into its new invoicing and accounting SaaS.
store:
  url: {store_url}
privacy:
  pseudonymize: true            # key from HYPERCARE_SECRET_KEY or .streamlit/secrets.toml
  min_group_size: 5             # the Direction team (4 people) is suppressed
  retention_days: 400
locale: fr
timezone: {tz}
core_features: [invoice.create, invoice.send, quote.create, payment.record]
targets:
  adoption_rate: 0.8
  activation_rate: 0.95
  error_rate: 0.05
  sus: 68
waves:                          # may the next wave go live?
  criteria:
    - {{kpi: adoption_rate, min_days: 30}}            # ≥ the 80 % target
    - {{kpi: activation_rate, min_days: 30}}          # ≥ the 95 % target
    - {{kpi: error_rate, comparison: "<=", threshold: 0.08, min_days: 14}}
    - {{kpi: sus, min_days: 30}}                      # ≥ the 68 target (the usability norm)
support:
  sla_hours:                    # Jira priority → hours
    Highest: {{first_response: 1, resolution: 8}}
    High: {{first_response: 4, resolution: 24}}
    Medium: {{first_response: 8, resolution: 72}}
    Low: {{first_response: 24, resolution: 120}}
alerts:
  dashboard_url: http://localhost:8501/
  rules:
    - {{name: adoption-basse, kind: threshold, kpi: adoption_rate, scope: "team:*", comparison: "<",
       value: 0.65, recovery: 0.7, pending: 2, min_volume: 8, severity: critical,
       labels: {{owner: PMO}}, description: "Relancer l'ambassadeur de l'équipe."}}
    - {{name: erreurs-elevees, kind: threshold, kpi: error_rate, scope: "team:*", comparison: ">",
       value: 0.08, recovery: 0.06, min_volume: 8, severity: critical}}
    - {{name: adoption-en-chute, kind: change, kpi: adoption_rate, scope: [all, "wave:*"],
       window: 7, comparison: "<", value: -0.10}}
    - {{name: usage-inhabituel, kind: anomaly, kpi: dau, scope: [all, "team:*"], sensitivity: 3.5}}
    - {{name: objectif-adoption, kind: forecast_slip, scope: "wave:*", planned: {planned},
       tolerance_days: 14}}
  # notify: {{slack: {{url_env: HYPERCARE_SLACK_WEBHOOK}}, email: {{host: …, to: […]}}}}
exit:                           # may hypercare end?
  criteria:
    - {{kpi: adoption_rate, scope: all, threshold: 0.85, min_days: 60}}
    - {{kpi: error_rate, scope: all, threshold: 0.05, min_days: 60}}
sources:
  - name: annuaire
    kind: roster
    format: csv
    path: {data}/annuaire.csv
    csv: {{delimiter: ";", encoding: utf-8-sig, decimal: ","}}
    dates: {{dayfirst: true, timezone: {tz}}}
    columns: {{user: Matricule, email: E-mail, team: Service, wave: Vague, go_live: Mise en service,
              licensed: Licence, ambassador: Ambassadeur}}
    values: {{licensed: {{Oui: true, Non: false}}, ambassador: {{Oui: true, Non: false}}}}
  - name: usage
    kind: usage
    format: csv
    path: {data}/usage/usage_*.csv
    csv: {{delimiter: ";", encoding: utf-8-sig, decimal: ","}}
    dates: {{dayfirst: true, timezone: {tz}}}
    columns: {{ts: Date, user: Utilisateur, feature: Module, action: Action, outcome: Statut,
              duration_ms: Durée (ms)}}
    values: {{outcome: {{OK: ok, Erreur: error}}}}
"""


def _ensure_secret(directory: Path) -> None:
    if read_secret(SECRET_KEY_ENV, directory):
        return
    secrets_file = directory / ".streamlit" / "secrets.toml"
    secrets_file.parent.mkdir(parents=True, exist_ok=True)
    existing = secrets_file.read_text(encoding="utf-8") if secrets_file.exists() else ""
    if existing:
        try:
            tomllib.loads(existing)
        except tomllib.TOMLDecodeError as exc:
            raise DemoError(f"{secrets_file}: not valid TOML ({exc}); fix or remove it") from exc
    line = f'{SECRET_KEY_ENV} = "{secrets.token_hex(32)}"\n'
    prefix = "" if not existing or existing.endswith("\n") else "\n"
    secrets_file.write_text(existing + prefix + line, encoding="utf-8")
    secrets_file.chmod(0o600)


def _store_is_empty(url: str) -> bool:
    store = open_store(url, upgrade=False)
    try:
        if "ingest_files" not in inspect(store.engine).get_table_names():
            return True
        with store.session() as session:
            return session.scalar(select(IngestFile.id).limit(1)) is None
    finally:
        store.dispose()


def _reset_store(url: str) -> None:
    store = open_store(url, upgrade=False)
    try:
        with store.engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    finally:
        store.dispose()


def build_demo(
    directory: Path,
    *,
    db_url: str | None = None,
    reset: bool = False,
    today: dt.date | None = None,
    echo: Callable[[str], None] = print,
) -> DemoResult:
    """Write the demo company under ``directory`` and collect it into the store."""
    from collectors.run import collect
    from metrics.alerts.evaluate import run_alerts
    from metrics.reconcile import run_reconciliation

    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "hypercare.yaml"
    if config_path.exists() and not config_path.read_text(encoding="utf-8").startswith(DEMO_MARKER):
        raise DemoError(
            f"{config_path}: a config that is not the demo's is already there; "
            "run the demo in another folder with --dir"
        )
    data_dir = directory / DATA_DIR
    if db_url is None:
        db_file = data_dir / "hypercare.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        store_url = f"sqlite:///{DATA_DIR}/hypercare.db"
        store_label = str(db_file)
    else:
        store_url = db_url
        if make_url(db_url).password:
            raise DemoError(
                "--db: a URL with a password would be written into the demo config; "
                "use a password-less URL (trust or peer auth, or ~/.pgpass)"
            )
        if not _store_is_empty(db_url):
            if not reset:
                raise DemoError(
                    f"--db {make_url(db_url)!r} already holds data; "
                    "add --reset to empty it and load the demo (everything in it is deleted)"
                )
            _reset_store(db_url)
        store_label = repr(make_url(db_url))

    day = today or dt.datetime.now(ZoneInfo(COMPANY_TZ)).date()
    if data_dir.exists():
        for old in (data_dir / "usage").glob("usage_*.csv"):
            old.unlink()
    files = write_demo_company(data_dir, day)
    feedback = write_demo_feedback(data_dir, day)
    legacy = write_legacy(data_dir, day, seed=7, config_dir=directory)
    _ensure_secret(directory)
    config_path.write_text(
        CONFIG_TEMPLATE.format(
            marker=DEMO_MARKER,
            store_url=store_url,
            tz=COMPANY_TZ,
            data=DATA_DIR,
            planned=(day + dt.timedelta(days=38)).isoformat(),
        )
        + feedback.sources_yaml(DATA_DIR)
        + feedback.sections_yaml()
        + legacy["yaml"],
        encoding="utf-8",
    )
    echo(f"Wrote the demo company's exports to {data_dir} ({files.people} people).")
    config = load_config(config_path)
    store = open_store(config.store_url)
    try:
        outcomes = collect(config, store, command="demo")
        audit = run_reconciliation(config, store)  # the initial audit, for the history
        # The alerts as the morning cron would have left them (yesterday, no notification).
        alerts = run_alerts(store, config, day - dt.timedelta(days=1), send=False)
    finally:
        store.dispose()
    for outcome in outcomes:
        echo(
            f"  {outcome.name}: {outcome.total('read')} rows read, "
            f"{outcome.total('accepted')} accepted, {outcome.total('duplicates')} duplicates, "
            f"{outcome.total('quarantined')} quarantined"
        )
    statuses = ", ".join(f"{e['name']} {e['status']}" for e in audit["entities"])
    echo(f"  reconciliation (legacy against new): {statuses}")
    firing = [a for a in alerts.alerts if a.get("state") == "firing"]
    echo(f"  alerts: {len(firing)} firing, {len(alerts.alerts) - len(firing)} pending")
    return DemoResult(config_path, store_label, files.people, len(files.usage), outcomes)
