"""The consistency page (AppTest) on the demo company, whose store holds the initial audit of its
legacy export against the new tool: each entity's status and differences in French and English,
the history once a second audit ran, samples of differing keys, and who may open it."""

from __future__ import annotations

import shutil

import pytest
from rendered import charts, rendered_text

from hypercare import config as config_module
from hypercare.config import load_config
from metrics.reconcile import latest_results, run_reconciliation
from metrics.store import open_store

ROLES = """roles:
  managers: [direction@dubois.fr]
  support: [support@dubois.fr]
  ambassadors:
    paul@dubois.fr: [ADV]
"""


@pytest.fixture
def own_demo(demo, tmp_path, monkeypatch):
    """A copy of the demo (config and store) that a test may write to."""
    monkeypatch.setenv("HYPERCARE_SECRET_KEY", "dashboard-test-key")
    monkeypatch.delenv("HYPERCARE_DB_URL", raising=False)
    target = tmp_path / "demo"
    shutil.copytree(demo.config_path.parent, target)
    return target / demo.config_path.name


def _latest(config_path):
    config = load_config(config_path)
    store = open_store(config.store_url)
    try:
        return {r["entity"]: r for r in latest_results(store)}
    finally:
        store.dispose()


@pytest.mark.parametrize(
    ("lang", "title", "failing"),
    [("FR", "Cohérence", "❌ écarts"), ("EN", "Consistency", "❌ differences")],
)
def test_each_entity_with_its_status_and_differences(demo, run_app, lang, title, failing):
    app = run_app(demo.config_path, page="reconcile", lang=lang)
    assert not app.exception, app.exception
    assert [t.value for t in app.title] == [title]
    stored = _latest(demo.config_path)
    table = app.dataframe[0].value
    assert list(table.iloc[:, 0]) == sorted(stored)
    for _, row in table.iterrows():
        entity = stored[row.iloc[0]]
        assert row.iloc[1].endswith(
            {"pass": "cohérent", "fail": "écarts", "error": "n'a pas pu s'exécuter"}[
                entity["status"]
            ]
            if lang == "FR"
            else {"pass": "consistent", "fail": "differences", "error": "could not run"}[
                entity["status"]
            ]
        )
    assert failing in set(table.iloc[:, 1])
    # the first failing entity is picked, and its planted differences are listed as samples
    picked = app.selectbox(key="reconcile_entity").value
    assert stored[picked]["status"] != "pass"
    samples = stored[picked]["detail"]["samples"]
    text = rendered_text(app)
    for key in samples["missing_in_new"][:3]:
        assert str(key) in text
    assert app.get("download_button")
    # one audit so far: no history chart yet
    assert charts(app) == []


def test_a_second_audit_draws_the_history(own_demo, run_app):
    config = load_config(own_demo)
    store = open_store(config.store_url)
    try:
        run_reconciliation(config, store)
    finally:
        store.dispose()
    app = run_app(own_demo, page="reconcile", lang="EN")
    assert not app.exception, app.exception
    (chart,) = charts(app)
    rows = chart.rows()
    assert len(rows) == 2 and set(rows["status"]) <= {"pass", "fail", "error"}


@pytest.mark.parametrize(
    ("email", "allowed"),
    [("direction@dubois.fr", True), ("support@dubois.fr", True), ("paul@dubois.fr", False)],
)
def test_managers_and_support_leads_only(own_demo, run_app, monkeypatch, email, allowed):
    monkeypatch.setitem(config_module.SECTIONS, "roles", "metrics.access")
    own_demo.write_text(ROLES + own_demo.read_text(encoding="utf-8"), encoding="utf-8")
    user = {"is_logged_in": True, "email": email}
    app = run_app(own_demo, user=user)
    assert not app.exception, app.exception
    if allowed:
        app.switch_page("views/reconcile.py")
        app.run()
        assert not app.exception, app.exception
        assert [t.value for t in app.title] == ["Cohérence"]
    else:
        with pytest.raises(ValueError):  # not in this reader's navigation
            app.switch_page("views/reconcile.py")
