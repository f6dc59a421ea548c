"""The alerts page (AppTest) on the demo company, whose store has run its alerts: the firing
error-rate alert of team Logistique in French and English, acknowledging and silencing through
the forms (checked through the alerts API), and an ambassador of another team who never receives
Logistique's rows nor any button."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from rendered import charts, rendered_text

from hypercare import config as config_module
from hypercare.config import load_config
from metrics.alerts.evaluate import active_alerts
from metrics.store import open_store

RULE, SCOPE = "erreurs-elevees", "team:Logistique"
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


def _alert(config_path, rule=RULE, scope=SCOPE):
    config = load_config(config_path)
    store = open_store(config.store_url)
    try:
        found = [
            a
            for a in active_alerts(store, config.sections["alerts"])
            if (a["rule"], a["scope"]) == (rule, scope)
        ]
    finally:
        store.dispose()
    assert len(found) == 1
    return found[0]


def _rows(app):
    firing, pending = app.dataframe  # the demo has both
    return {"firing": firing.value, "pending": pending.value}


@pytest.mark.parametrize(
    ("lang", "title", "kpi", "value", "line", "severity"),
    [
        ("FR", "Alertes", "Taux d'erreur", "13\u202f%", "> 8,0\u202f%", "critique"),
        ("EN", "Alerts", "Error rate", "13%", "> 8.0%", "critical"),
    ],
)
def test_the_page_shows_the_firing_error_rate_alert(
    demo, run_app, lang, title, kpi, value, line, severity
):
    app = run_app(demo.config_path, page="alerts", lang=lang)
    assert not app.exception, app.exception
    assert [t.value for t in app.title] == [title]
    firing = _rows(app)["firing"]
    row = firing[firing.iloc[:, 1] == RULE].iloc[0].tolist()
    assert row[0] == severity and row[2] == "team · Logistique" and row[3] == kpi
    assert row[4] == value and row[5] == line
    assert row[6] == ("22/11/2026" if lang == "FR" else "2026-11-22")
    pending = _rows(app)["pending"]
    assert "adoption-basse" in set(pending.iloc[:, 1])
    # firing first: every firing alert is listed before the pending ones, on the page and in CSV
    download = app.get("download_button")[0]
    assert download.label == ("Télécharger (CSV)" if lang == "FR" else "Download (CSV)")
    (chart,) = charts(app)
    assert chart.mark_types() == ["bar"]
    rows = chart.rows()
    assert f"{RULE} · team · Logistique" in set(rows["alert"])
    assert set(rows["state"]) >= {"firing", "pending"}
    assert app.button(key="alerts_ack") is not None


def test_acknowledging_stores_it_and_the_page_shows_it(own_demo, run_app):
    app = run_app(own_demo, page="alerts")
    assert not app.exception, app.exception
    app.selectbox(key="alerts_ack_pick").set_value(f"{RULE} · {SCOPE}")
    app.text_area(key="alerts_ack_comment").input("on regarde avec l'éditeur")
    app.button(key="alerts_ack").click().run()
    assert not app.exception, app.exception
    assert not app.error
    stored = _alert(own_demo)
    assert stored["acknowledged_by"] == "local"
    assert stored["ack_comment"] == "on regarde avec l'éditeur"
    assert any("local" in s.value for s in app.success)
    firing = _rows(app)["firing"]
    ack = firing[firing.iloc[:, 1] == RULE].iloc[0, 7]
    assert ack.startswith("local, le ") and ack.endswith("on regarde avec l'éditeur")


def test_silencing_stores_the_date(own_demo, run_app):
    app = run_app(own_demo, page="alerts", lang="EN")
    assert not app.exception, app.exception
    app.selectbox(key="alerts_silence_pick").set_value(f"{RULE} · {SCOPE}")
    app.date_input(key="alerts_silence_until").set_value(dt.date(2026, 12, 4))
    app.button(key="alerts_silence").click().run()
    assert not app.exception, app.exception
    assert _alert(own_demo)["silenced_until"] == "2026-12-04"
    firing = _rows(app)["firing"]
    assert firing[firing.iloc[:, 1] == RULE].iloc[0, 8] == "2026-12-04"
    # the other alerts are untouched
    assert _alert(own_demo, "adoption-basse")["silenced_until"] is None


def test_an_ambassador_of_another_team_never_receives_logistique(own_demo, run_app, monkeypatch):
    monkeypatch.setitem(config_module.SECTIONS, "roles", "metrics.access")
    own_demo.write_text(ROLES + own_demo.read_text(encoding="utf-8"), encoding="utf-8")
    app = run_app(own_demo, page="alerts", user={"is_logged_in": True, "email": "paul@dubois.fr"})
    assert not app.exception, app.exception
    assert [t.value for t in app.title] == ["Alertes"]
    text = rendered_text(app)
    assert "Logistique" not in text
    assert "objectif-adoption" in text  # the waves' alerts are for everyone
    assert not [b for b in app.button if b.key in ("alerts_ack", "alerts_silence")]
    assert not app.get("form")


def test_a_support_lead_may_acknowledge_in_their_name(own_demo, run_app, monkeypatch):
    monkeypatch.setitem(config_module.SECTIONS, "roles", "metrics.access")
    own_demo.write_text(ROLES + own_demo.read_text(encoding="utf-8"), encoding="utf-8")
    app = run_app(
        own_demo, page="alerts", user={"is_logged_in": True, "email": "support@dubois.fr"}
    )
    assert not app.exception, app.exception
    app.selectbox(key="alerts_ack_pick").set_value(f"{RULE} · {SCOPE}")
    app.button(key="alerts_ack").click().run()
    assert not app.exception, app.exception
    assert _alert(own_demo)["acknowledged_by"] == "support@dubois.fr"
