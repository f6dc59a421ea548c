"""Every page, in French and English, on the demo company (AppTest): what each answers first,
its charts, tables and downloads, the empty states, and the filters read from the URL."""

from __future__ import annotations

import sys
import types

import pytest
from rendered import charts, rendered_text

from dashboard import data, tables
from metrics.kpis import KPIS

TITLES = {
    "overview": ("Vue d'ensemble", "Overview"),
    "adoption": ("Adoption", "Adoption"),
    "trends": ("Tendances", "KPI trends"),
    "support": ("Support", "Support"),
    "quality": ("Qualité des données", "Data quality"),
    "glossary": ("Glossaire", "Glossary"),
}


@pytest.mark.parametrize("page", list(TITLES))
@pytest.mark.parametrize("lang", ["FR", "EN"])
def test_every_page_runs_in_both_languages(support_demo, run_app, page, lang):
    app = run_app(support_demo.config_path, page=page, lang=lang)
    assert not app.exception, app.exception
    assert not app.error
    french, english = TITLES[page]
    assert [t.value for t in app.title] == [french if lang == "FR" else english]
    download = "Télécharger (CSV)" if lang == "FR" else "Download (CSV)"
    if page != "overview":  # the overview's table sits in an expander, with its button
        assert any(b.label == download for b in app.get("download_button")), page


def test_the_overview_answers_with_cards_verdicts_and_the_heat_map(demo, run_app):
    app = run_app(demo.config_path)
    assert not app.exception
    assert [t.value for t in app.title] == ["Vue d'ensemble"]  # the manager's home page
    labels = [m.label for m in app.metric]
    # The demo has surveys and Jira tickets: SUS, NPS and open tickets join the cards.
    assert labels[:2] == ["Taux d'adoption", "Taux d'activation"]
    assert {"SUS", "NPS", "Taux d'erreur"} <= set(labels)
    targeted = ("Taux d'adoption", "Taux d'activation", "Taux d'erreur", "SUS")
    assert all("cible" in m.proto.delta_description for m in app.metric if m.label in targeted)
    text = rendered_text(app)
    assert "Données à jour au" in text and "source(s) OK" in text
    # The report's verdicts, with readable reasons (vague 1: adoption 67 % < 80 %).
    verdicts = [m.value for m in app.markdown if "-badge[" in m.value]
    assert any(v.startswith("**pilote**") and "green-badge[GO]" in v for v in verdicts)
    vague1 = next(v for v in verdicts if v.startswith("**vague 1**"))
    assert "red-badge[NO-GO]" in vague1 and "Taux d'adoption 67\u202f% < 80\u202f%" in vague1
    assert any("Sortie d'hypercare" in v for v in verdicts)
    heat = [c for c in charts(app) if "rect" in c.mark_types()]
    assert len(heat) == 1
    cells = heat[0].rows()
    assert set(cells["row"]) == {
        "Toute l'entreprise",
        "ADV",
        "Achats",
        "Commercial",
        "Comptabilité",
        "Logistique",
    }
    commercial = cells[(cells["row"] == "Commercial") & (cells["kpi"] == "Taux d'adoption")]
    assert commercial["status_label"].item() == "Loin de la cible"
    assert "Direction" not in text


def test_the_waves_filter_is_read_from_the_url(demo, run_app):
    app = run_app(demo.config_path, lang="EN", waves=["pilote"])
    assert not app.exception
    verdicts = [m.value for m in app.markdown if "-badge[" in m.value]
    assert [v.split("**")[1] for v in verdicts] == ["pilote", "Hypercare exit"]
    assert app.multiselect(key="waves").value == ["pilote"]


def test_the_overview_counts_firing_alerts_and_open_tickets(support_demo, run_app):
    app = run_app(support_demo.config_path)
    assert not app.exception
    tickets = next(m for m in app.metric if m.label == "Tickets ouverts")
    assert tickets.value == "3" and "1 hors SLA" in tickets.proto.delta_description
    assert any("Aucune alerte évaluée" in c.value for c in app.caption)


def test_the_trends_page_draws_any_kpi_with_its_target(demo, run_app, monkeypatch):
    monkeypatch.setitem(sys.modules, "metrics.forecast", None)  # not installed: no forecast
    app = run_app(demo.config_path, page="trends", kpi="Taux d'erreur")  # the label is in the URL
    assert not app.exception
    assert app.selectbox(key="kpi").value == "error_rate"
    (chart,) = charts(app)
    marks = chart.mark_types()
    assert "line" in marks and "rule" in marks and "rect" in marks  # target and band
    assert chart.spec["layer"][-1]["layer"][0]["mark"]["strokeDash"]
    app.multiselect(key="trend_scopes").select("team:Logistique").select("wave:vague 2").run()
    assert not app.exception
    (chart,) = charts(app)
    assert {"Toute l'entreprise", "Logistique", "Vague vague 2"} <= set(chart.rows()["label"])
    assert app.download_button(key="trend_csv")


def test_the_trends_page_works_without_the_detector_and_uses_the_forecast(
    demo, run_app, monkeypatch, request
):
    import datetime as dt

    monkeypatch.setitem(sys.modules, "metrics.anomalies", None)  # import fails
    fake = types.ModuleType("metrics.forecast")
    calls = []

    def fit(series, target, go_live=None):
        calls.append((len(series), target))
        last = series[-1][0]
        return types.SimpleNamespace(
            reached_on=dt.date(2026, 12, 14),
            already_reached=False,
            reason="fake",
            model="fake",
            curve=[(last, 0.78), (dt.date(2026, 12, 14), 0.8)],
        )

    fake.fit = fit
    monkeypatch.setitem(sys.modules, "metrics.forecast", fake)
    data._forecast.clear()  # results of the real module (if any) are cached
    request.addfinalizer(data._forecast.clear)
    app = run_app(demo.config_path, page="trends", trend_days="30")
    assert not app.exception
    assert calls and calls[0][1] == 0.8
    captions = " ".join(c.value for c in app.caption)
    assert "cible atteinte vers le 14/12/2026" in captions
    assert "détection d'anomalies indisponible" in captions
    (chart,) = charts(app)
    assert chart.mark_types().count("line") >= 2  # the scopes and the forecast


def test_the_trends_page_marks_anomalies_when_the_detector_finds_some(
    demo, run_app, monkeypatch, request
):
    import metrics.anomalies as real

    def detect(series, sensitivity=3.0, min_history=21, *, since=None):
        day, value = series[-1]
        return [real.Anomaly(day, value, value / 2, 4.0, "high")]

    monkeypatch.setattr(real, "detect", detect)
    data._anomalies.clear()
    request.addfinalizer(data._anomalies.clear)  # later tests get the real detector's days
    app = run_app(demo.config_path, page="trends", lang="EN")
    assert not app.exception
    (chart,) = charts(app)
    assert "point" in chart.mark_types()
    assert any("1 anomalous day(s)" in c.value for c in app.caption)


def test_the_support_page_lists_open_tickets_by_sla_state(support_demo, run_app):
    app = run_app(support_demo.config_path, page="support", lang="EN")
    assert not app.exception
    values = {m.label: m.value for m in app.metric}
    assert values["Open tickets"] == "3"
    assert values["Past SLA"] == "1" and values["At risk"] == "1"
    table = app.dataframe[0].value
    assert list(table["ref"]) == ["FACT-1", "FACT-2", "FACT-3"]  # most urgent first
    assert list(table["state"]) == ["Past SLA", "At risk", "On time"]
    by_priority = next(c for c in charts(app) if "priority" in c.rows().columns)
    assert set(by_priority.rows()["state"]) == {"Past SLA", "At risk", "On time"}
    spikes = next(c for c in charts(app) if "module" in c.rows().columns)
    assert {"factures", "devis"} <= set(spikes.rows()["module"])
    assert "point" in spikes.mark_types()  # the spike of the 20th


def test_the_support_page_says_which_sources_to_configure(demo, run_app):
    # The demo has Jira tickets but no error log: the errors part says what to configure.
    app = run_app(demo.config_path, page="support")
    assert not app.exception
    messages = [i.value for i in app.info]
    assert not any("source de kind tickets" in m for m in messages)
    assert any("source de kind errors" in m for m in messages)


def test_the_quality_page_shows_sources_quarantine_and_coverage(demo, run_app):
    app = run_app(demo.config_path, page="quality")
    assert not app.exception
    sources, quarantine, coverage, _ledger = (d.value for d in app.dataframe)
    usage = sources[sources["source"] == "usage"].iloc[0]
    assert (usage["rows_read"], usage["quarantined"], usage["duplicates"]) == (58830, 3, 1)
    assert len(quarantine) == 3 and set(quarantine.columns) >= {"path", "line", "stage", "raw"}
    assert coverage["records_outside"].sum() >= 0
    csv = app.download_button(key="quality_quarantine_csv")
    assert csv.label == "Télécharger (CSV)"


def test_the_glossary_is_the_registry_in_the_readers_language(demo, run_app):
    app = run_app(demo.config_path, page="glossary", lang="EN")
    assert not app.exception
    table = app.dataframe[0].value
    assert list(table["code"]) == list(KPIS)
    adoption = table[table["code"] == "adoption_rate"].iloc[0]
    assert adoption["label"] == "Adoption rate"
    assert adoption["default_target"] == "80%" and adoption["configured_target"] == "80%"
    assert adoption["direction"] == "↑ higher is better"


def test_an_empty_store_shows_what_to_configure_on_the_overview(tmp_path, run_app):
    config = tmp_path / "hypercare.yaml"
    config.write_text(f"store:\n  url: sqlite:///{tmp_path / 'empty.db'}\n", encoding="utf-8")
    app = run_app(config)
    assert not app.exception
    assert any("source de kind roster" in i.value for i in app.info)
    assert not charts(app)


def test_csv_downloads_neutralize_formulas():
    import pandas as pd

    frame = pd.DataFrame({"raw": ['=HYPERLINK("x")', "+1", "-2", "@SUM", "ok", None]})
    frame["n"] = [-1, 2, 3, 4, 5, 6]
    text = tables.csv_bytes(frame, "en").decode("utf-8").splitlines()
    assert text[1:5] == ['"\'=HYPERLINK(""x"")",-1', "'+1,2", "'-2,3", "'@SUM,4"]
    assert text[5] == "ok,5"  # plain text and numbers (even negative) are left as they are
