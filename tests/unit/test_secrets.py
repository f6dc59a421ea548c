"""Secrets never shown: the real CLI run with known secrets and logging at DEBUG.

The pseudonymization key, a store password, a webhook token and an SMTP password are set in the
environment as a deployment would; ``hypercare demo``, ``collect``, ``report``, ``alerts`` (which
really posts to a webhook and logs in to an SMTP server, both on loopback), ``backlog``,
``quarantine``, ``reconcile`` and ``config show`` run in a subprocess with every logger at
DEBUG (SQLAlchemy's included). No secret may appear in any stdout, stderr or log line, in any
file the run wrote, or in any table of the store. ``repr()`` of config objects and ``config
show`` redact them too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner
from sqlalchemy import MetaData, create_engine, make_url, select
from test_alerts_notify import Receiver, SmtpServer

from hypercare.cli import main
from hypercare.config import SqlOptions, load_config

SECRET_KEY = "hc-pseudo-key-7Qx9vR2c1d"
DB_PASSWORD = "Pg-Pa55-8c1f0e2b"
WEBHOOK_TOKEN = "T0KEN-5e2b9a77f3"
SMTP_PASSWORD = "Smtp-Pw-3d7c41aa"
SECRETS = (SECRET_KEY, DB_PASSWORD, WEBHOOK_TOKEN, SMTP_PASSWORD)

# The CLI with every logger at DEBUG, as an operator chasing a problem would run it.
DEBUG_CLI = textwrap.dedent(
    """
    import logging, sys
    logging.basicConfig(level=logging.DEBUG, format="LOG %(name)s %(levelname)s %(message)s")
    for name in ("sqlalchemy.engine", "sqlalchemy.pool", "alembic", "psycopg", "urllib3"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    from hypercare.cli import main
    main(sys.argv[1:], prog_name="hypercare")
    """
)

NOTIFY = """  notify:
    slack: {{url_env: HC_TEST_WEBHOOK}}
    email: {{host: 127.0.0.1, port: {port}, starttls: false, from: hypercare@dubois.fr,
            to: [pmo@dubois.fr], username: hypercare, password_env: HC_TEST_SMTP_PASSWORD}}
"""
ALWAYS = (
    '    - {name: toujours, kind: threshold, kpi: adoption_rate, scope: all, comparison: "<=",'
    " value: 1.0, severity: warning}\n"
)


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


@pytest.fixture
def servers(monkeypatch):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    receiver, smtp = Receiver(), SmtpServer()
    yield receiver, smtp
    receiver.close()
    smtp.close()


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_no_secret_in_output_logs_files_or_store(store_url, tmp_path, servers):
    receiver, smtp = servers
    url_with_password = (
        make_url(store_url).set(password=DB_PASSWORD).render_as_string(hide_password=False)
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("HYPERCARE_DB_URL", "HYPERCARE_CONFIG") and "proxy" not in k.lower()
    }
    env |= {
        "HYPERCARE_SECRET_KEY": SECRET_KEY,
        "HC_TEST_WEBHOOK": receiver.url(f"/hook/{WEBHOOK_TOKEN}"),
        "HC_TEST_SMTP_PASSWORD": SMTP_PASSWORD,
        "NO_PROXY": "127.0.0.1,localhost",
    }
    outputs: dict[str, str] = {}

    def run(name: str, *args: str, db_env: bool = True) -> subprocess.CompletedProcess[str]:
        run_env = dict(env, HYPERCARE_DB_URL=url_with_password) if db_env else env
        done = subprocess.run(
            [sys.executable, "-c", DEBUG_CLI, *args],
            env=run_env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
        )
        outputs[name] = done.stdout + done.stderr
        assert "Traceback" not in done.stderr, done.stderr[-3000:]
        return done

    # The demo refuses a URL with a password (it would write it into its config) …
    refused = run("demo-password", "demo", "--no-serve", "--dir", "refused", "--db",
                  url_with_password, db_env=False)  # fmt: skip
    assert refused.returncode == 2 and "password" in refused.stderr
    # … and builds the company through the real collectors on a password-less one.
    built = run("demo", "demo", "--no-serve", "--dir", "demo", "--db", store_url, db_env=False)
    assert built.returncode == 0, built.stderr[-3000:]
    assert "LOG sqlalchemy.engine" in built.stderr  # DEBUG logging really is on

    config = tmp_path / "demo" / "hypercare.yaml"
    text = config.read_text(encoding="utf-8")
    marker = "  rules:\n"
    assert marker in text
    text = text.replace(marker, NOTIFY.format(port=smtp.port) + marker + ALWAYS, 1)
    config.write_text(text, encoding="utf-8")
    cfg = ["--config", str(config)]

    assert run("collect", "collect", *cfg).returncode == 0
    report = run("report", "report", *cfg, "--format", "json")
    assert report.returncode == 0 and json.loads(report.stdout)["scopes"]
    alerts = run("alerts", "alerts", *cfg, "--format", "json")
    assert alerts.returncode == 0, alerts.stderr[-3000:]
    assert run("backlog", "backlog", *cfg, "--format", "csv").returncode == 0
    assert run("quarantine", "quarantine", *cfg, "--format", "csv").returncode == 0
    assert run("reconcile", "reconcile", *cfg, "--format", "json").returncode in (0, 1)
    shown = run("config show", "config", "show", *cfg)
    assert shown.returncode == 0
    assert f":***@{make_url(store_url).host}" in shown.stdout
    assert "HYPERCARE_SECRET_KEY: set" in shown.stdout
    assert "HC_TEST_SMTP_PASSWORD: set" in shown.stdout

    # The secrets were really used: the webhook got the alert, the SMTP server the login.
    assert any(WEBHOOK_TOKEN in path for path, _, _ in receiver.posts)
    assert ("hypercare", SMTP_PASSWORD) in smtp.logins

    for name, output in outputs.items():
        assert not _leaks(output), f"{name} printed {_leaks(output)}"
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix in (".yaml", ".csv", ".md", ".json", ".log", ".toml"):
            content = path.read_text(encoding="utf-8", errors="replace")
            assert not _leaks(content), f"{path} holds {_leaks(content)}"

    engine = create_engine(store_url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        assert "usage_events" in metadata.tables
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                for row in conn.execute(select(table)):
                    dumped = repr(tuple(row))
                    assert not _leaks(dumped), f"table {table.name} holds {_leaks(dumped)}"
    finally:
        engine.dispose()


def test_repr_of_config_objects_hides_passwords(make_config, monkeypatch):
    path = make_config("locale: en\n")
    monkeypatch.setenv("HYPERCARE_DB_URL", f"postgresql+psycopg://hc:{DB_PASSWORD}@db/hc")
    config = load_config(path)
    assert config.store_url.endswith("@db/hc")  # the password is there to be used …
    assert DB_PASSWORD not in repr(config) and "hc:***@db/hc" in repr(config)  # … not shown
    options = SqlOptions(query="SELECT 1", url=f"mysql://u:{DB_PASSWORD}@legacy/erp?token=x1")
    assert DB_PASSWORD not in repr(options) and "token=***" in repr(options)


def test_config_show_redacts_and_names_the_secrets_it_needs(make_config, monkeypatch, tmp_path):
    path = make_config(
        """
        sources:
          - {name: erp, kind: usage, format: sql, url_env: HC_ERP_URL, query: "SELECT 1"}
        alerts:
          notify:
            slack: {url_env: HC_SLACK_HOOK}
          rules:
            - {name: basse, kind: threshold, kpi: adoption_rate, scope: all, comparison: "<",
               value: 0.5}
        """
    )
    monkeypatch.setenv("HYPERCARE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("HC_ERP_URL", f"postgresql://erp:{DB_PASSWORD}@erp/erp")
    monkeypatch.setenv("HYPERCARE_DB_URL", f"postgresql+psycopg://hc:{DB_PASSWORD}@db/hc")
    result = CliRunner().invoke(main, ["config", "show", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert not _leaks(result.output)
    assert "url: postgresql+psycopg://hc:***@db/hc" in result.output
    assert "HC_ERP_URL: set" in result.output and "HC_SLACK_HOOK: not set" in result.output
    result = CliRunner().invoke(main, ["config", "show", "--config", str(path), "--format", "json"])
    data = json.loads(result.output)
    assert data["sources"][0]["sql"]["url_env"] == "HC_ERP_URL"
    assert data["secrets"]["HYPERCARE_SECRET_KEY"] == "set"
    assert data["alerts"]["rules"][0]["name"] == "basse"
    # a bad config: the usual message and status 2, no dump
    bad = tmp_path / "bad.yaml"
    bad.write_text("locale: de\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["config", "show", "--config", str(bad)])
    assert result.exit_code == 2 and "locale" in result.output


def test_pseudonymization_refuses_to_run_without_a_key(make_config, write, monkeypatch):
    write("roster.csv", "user;team\nu1;Compta\n")
    path = make_config("sources:\n  - {name: roster, kind: roster, path: roster.csv}\n")
    monkeypatch.delenv("HYPERCARE_SECRET_KEY")
    result = CliRunner().invoke(main, ["collect", "--config", str(path)])
    assert result.exit_code == 2 and "HYPERCARE_SECRET_KEY" in result.output
    off = make_config(
        "privacy: {pseudonymize: false}\n"
        "sources:\n  - {name: roster, kind: roster, path: roster.csv}\n"
    )
    assert CliRunner().invoke(main, ["collect", "--config", str(off)]).exit_code == 0
