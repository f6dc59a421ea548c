"""The demo company, end to end through the real collectors, on SQLite and on PostgreSQL."""

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from hypercare.cli import main
from hypercare.config import load_config
from hypercare.demo.build import DemoError, build_demo
from metrics.compute import Settings
from metrics.report import build_report
from metrics.store import open_store

TODAY = dt.date(2026, 11, 23)


def report_of(config_path):
    result = CliRunner().invoke(
        main,
        ["report", "--config", str(config_path), "--as-of", TODAY.isoformat(), "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory):
    directory = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HYPERCARE_SECRET_KEY", "demo-test-key")
        result = build_demo(directory, today=TODAY, echo=lambda _: None)
    return directory, result


def test_demo_loads_through_the_collectors_with_plausible_kpis(sqlite_demo):
    _, result = sqlite_demo
    by_name = {o.name: o for o in result.outcomes}
    usage = by_name["usage"]
    assert not usage.failed
    assert usage.total("quarantined") == 3  # the three planted bad rows
    assert usage.total("duplicates") >= 1
    for f in usage.files:
        assert f.read == f.accepted + f.duplicates + f.quarantined
    report = report_of(result.config_path)
    assert report["suppressed"] == ["team:Direction"]
    teams = {k: v for k, v in report["scopes"].items() if k.startswith("team:")}
    assert len(teams) == 5
    adoption = {k: v["adoption_rate"] for k, v in teams.items()}
    assert all(0.3 < a < 1 for a in adoption.values())
    assert adoption["team:Comptabilité"] > adoption["team:Logistique"]
    assert {"wave:pilote", "wave:vague 1", "wave:vague 2"} <= set(report["scopes"])
    overall = report["scopes"]["all"]
    assert 100 <= overall["licensed_users"] <= 130
    assert overall["dau"] <= overall["wau"] <= overall["mau"]


def test_demo_refuses_to_overwrite_a_users_config(tmp_path):
    (tmp_path / "hypercare.yaml").write_text("locale: fr\n")
    with pytest.raises(DemoError, match="a config that is not the demo's"):
        build_demo(tmp_path, today=TODAY, echo=lambda _: None)


def test_same_report_on_postgresql(sqlite_demo, pg_url, tmp_path):
    _, sqlite_result = sqlite_demo
    pg_result = build_demo(tmp_path, db_url=pg_url, today=TODAY, echo=lambda _: None)
    assert report_of(pg_result.config_path) == report_of(sqlite_result.config_path)
    with pytest.raises(DemoError, match="already holds data; add --reset"):
        build_demo(tmp_path, db_url=pg_url, today=TODAY, echo=lambda _: None)
    again = build_demo(tmp_path, db_url=pg_url, reset=True, today=TODAY, echo=lambda _: None)
    store = open_store(pg_url)
    try:
        settings = Settings.from_config(load_config(again.config_path))
        assert build_report(store, TODAY, 5, settings) == report_of(again.config_path)
    finally:
        store.dispose()
