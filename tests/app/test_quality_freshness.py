"""The data-quality page's freshness: each source's last success, last error and the age of its
last successful run, flagged past its interval (``every:``), in French and English."""

import json
import re
import time

import pytest
from rendered import rendered_text

from collectors.run import collect
from hypercare.config import load_config
from metrics.store import open_store


@pytest.fixture
def collected(tmp_path):
    (tmp_path / "roster.csv").write_text("user,team\nu1,Compta\n", encoding="utf-8")
    (tmp_path / "usage.csv").write_text("ts,user\n2026-11-22 09:00,u1\n", encoding="utf-8")
    (tmp_path / "counts.csv").write_text(
        "Début;Module;Requêtes;Erreurs\n22/11/2026;Facturation;100;2\n", encoding="utf-8"
    )
    (tmp_path / "errors.csv").write_text(
        "ts,level,module\n2026-11-22 10:00,ERROR,Facturation\n", encoding="utf-8"
    )
    path = tmp_path / "hypercare.yaml"
    path.write_text(
        f"""
store: {{url: "sqlite:///{tmp_path / "store.db"}"}}
privacy: {{min_group_size: 1}}
timezone: Europe/Paris
sources:
  - {{name: roster, kind: roster, path: roster.csv}}
  - {{name: usage, kind: usage, path: usage.csv, every: 1s}}
  - {{name: supervision, kind: error_counts, path: counts.csv, csv: {{decimal: ","}}}}
  - {{name: tickets, kind: tickets, path: nowhere/*.csv}}
  - {{name: app-errors, kind: errors, path: errors.csv}}
""",
        encoding="utf-8",
    )
    config = load_config(path)
    store = open_store(config.store_url)
    try:
        outcomes = collect(config, store)
        assert [o.failed for o in outcomes] == [False, False, False, True, False]
        # The usage source runs every second: two seconds later its last success is late, while
        # a run that finds nothing new still counts as a success for the others.
        time.sleep(2.1)
        collect(config, store, ["roster", "supervision"])
    finally:
        store.dispose()
    return path


def test_freshness_columns_and_flags(collected, run_app):
    app = run_app(collected, page="quality", lang="EN", as_of="2026-11-23")
    assert not app.exception
    sources = app.dataframe[0].value.set_index("source")
    assert sources.loc["usage", "state_text"] == "⚠️ Late"
    assert re.fullmatch(r"\d+ s · ⚠️ over 2 s", sources.loc["usage", "run_age"])
    assert sources.loc["roster", "state_text"] == "✅ OK"
    assert re.fullmatch(r"\d+ s", sources.loc["roster", "run_age"])
    assert sources.loc["supervision", "state_text"] == "✅ OK"
    assert sources.loc["supervision", "newest"] == "2026-11-22"
    # A source that could not start has no ledger row, yet its error shows.
    assert sources.loc["tickets", "state_text"] == "❌ Failing"
    assert "no file matches 'nowhere/*.csv'" in sources.loc["tickets", "error"]
    assert sources.loc["tickets", "success"] == "—"
    text = rendered_text(app)
    assert "Last success" in text and "Since last success" in text
    assert "Freshness: age of the newest record" in text


def test_freshness_in_french(collected, run_app):
    app = run_app(collected, page="quality", lang="FR", as_of="2026-11-23")
    assert not app.exception
    sources = app.dataframe[0].value.set_index("source")
    assert re.fullmatch(r"\d+ s · ⚠️ plus de 2 s", sources.loc["usage", "run_age"])
    assert sources.loc["usage", "state_text"] == "⚠️ En retard"
    text = rendered_text(app)
    # Column labels travel as JSON (accents escaped) inside the proto's text (escaped again).
    for label in ("Dernier succès", "Depuis le dernier succès"):
        assert json.dumps(label)[1:-1].replace("\\", "\\\\") in text, label
    assert "Fraîcheur : âge de la donnée la plus récente" in text


def test_the_support_page_shows_the_error_rate_per_module(collected, run_app):
    app = run_app(collected, page="support", lang="FR", as_of="2026-11-23")
    assert not app.exception
    frames = [d.value for d in app.dataframe]
    rates = next(f for f in frames if "requests_text" in f.columns)
    assert rates.to_dict("records") == [
        {"module": "Facturation", "requests_text": "100", "errors_text": "2", "rate": "2,0\u202f%"}
    ]
    text = rendered_text(app)
    assert "par module (supervision)" in text
    csv = app.download_button(key="support_module_error_rates_csv")
    assert csv.label == "Télécharger (CSV)"
