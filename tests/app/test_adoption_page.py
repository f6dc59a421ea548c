"""The adoption page, run with AppTest on the demo company's store."""

from __future__ import annotations

from rendered import charts, rendered_text

from hypercare.formatting import NARROW_NBSP, format_kpi
from metrics import compute
from metrics.report import build_report, today_in
from metrics.store import open_store

TEAMS = ["ADV", "Achats", "Commercial", "Comptabilité", "Logistique"]


def metric(app, label):
    found = [m for m in app.metric if m.label == label]
    assert found, f"no metric {label!r} in {[m.label for m in app.metric]}"
    return found[0]


def trend_teams(app) -> set[str]:
    """The series drawn in the trend chart (the chart with lines)."""
    trend = [c for c in charts(app) if "line" in c.mark_types() and "team" in c.rows().columns]
    assert len(trend) == 1
    return set(trend[0].rows()["team"].dropna())


def test_page_runs_in_french_by_default_and_switches_to_english(demo, run_app):
    app = run_app(demo.config_path, page="adoption")
    assert not app.exception
    assert [t.value for t in app.title] == ["Adoption"]
    labels = [m.label for m in app.metric]
    assert labels == [
        "Utilisateurs licenciés",
        "Taux d'activation",
        "Taux d'adoption",
        "Utilisateurs actifs (7 jours)",
    ]
    assert "Adoption par équipe" in [s.value for s in app.subheader]
    assert app.sidebar.multiselect[0].label == "Équipes"

    app.segmented_control(key="lang").set_value("en").run()
    assert not app.exception
    assert [m.label for m in app.metric] == [
        "Licensed users",
        "Activation rate",
        "Adoption rate",
        "Weekly active users",
    ]
    assert "Adoption per team" in [s.value for s in app.subheader]
    assert app.sidebar.multiselect[0].label == "Teams"
    assert app.download_button(key="adoption_team_csv").label == "Download (CSV)"


def test_language_is_read_from_the_url(demo, run_app):
    app = run_app(demo.config_path, page="adoption", lang="EN")
    assert not app.exception
    assert metric(app, "Adoption rate")


def test_headline_adoption_is_the_reports_formatted_the_same_way(demo, run_app):
    store = open_store(demo.config.store_url)
    try:
        report = build_report(store, demo.day, demo.config.privacy.min_group_size)
    finally:
        store.dispose()
    overall = report["scopes"]["all"]

    app = run_app(demo.config_path, page="adoption")
    shown = metric(app, "Taux d'adoption").value
    assert shown == format_kpi(overall["adoption_rate"], "ratio", "fr")
    assert shown.endswith(f"{NARROW_NBSP}%")  # French: "78 %" with a narrow no-break space
    assert metric(app, "Utilisateurs licenciés").value == str(overall["licensed_users"])
    assert metric(app, "Utilisateurs actifs (7 jours)").value == str(overall["wau"])
    assert "cible 80" in metric(app, "Taux d'adoption").proto.delta_description

    app = run_app(demo.config_path, page="adoption", lang="EN")
    assert metric(app, "Adoption rate").value == format_kpi(overall["adoption_rate"], "ratio", "en")


def test_the_suppressed_team_never_reaches_the_browser(demo, run_app):
    for query in ({}, {"lang": "EN"}, {"teams": ["Direction", "ADV"]}):
        app = run_app(demo.config_path, page="adoption", **query)
        assert not app.exception
        text = rendered_text(app)
        assert "Logistique" in text  # the reader sees shown teams, so it would see Direction
        assert "Direction" not in text
        assert "Direction" not in app.sidebar.multiselect[0].options
    # The caption counts hidden teams without naming them.
    app = run_app(demo.config_path, page="adoption")
    assert any("1 équipe masquée" in c.value for c in app.caption)


def test_charts_cover_every_shown_team_and_the_table_lists_them(demo, run_app):
    app = run_app(demo.config_path, page="adoption")
    bars = [c for c in charts(app) if "bar" in c.mark_types() and "team" in c.rows().columns]
    assert len(bars) == 1
    assert set(bars[0].rows()["team"].dropna()) == set(TEAMS)
    assert trend_teams(app) == {"Toute l'entreprise", *TEAMS}
    table = app.dataframe[0].value
    assert sorted(table["team"]) == sorted(TEAMS)


def test_changing_the_teams_filter_changes_the_trend(demo, run_app):
    app = run_app(demo.config_path, page="adoption")
    before = trend_teams(app)
    app.multiselect(key="teams").unselect("Logistique").run()
    assert not app.exception
    after = trend_teams(app)
    assert before - after == {"Logistique"}
    assert "Toute l'entreprise" in after

    shared = run_app(demo.config_path, page="adoption", teams=["ADV", "Achats"])
    assert trend_teams(shared) == {"Toute l'entreprise", "ADV", "Achats"}
    assert sorted(shared.dataframe[0].value["team"]) == ["ADV", "Achats"]


def test_bad_values_in_the_url_fall_back_to_defaults(demo, run_app):
    app = run_app(demo.config_path, page="adoption", lang="xx", as_of="not-a-day", teams=["Nope"])
    assert not app.exception
    assert not app.error
    assert app.segmented_control(key="lang").value == "fr"
    assert app.date_input(key="as_of").value == today_in(demo.config.tz)
    assert app.multiselect(key="teams").value == TEAMS
    assert metric(app, "Taux d'adoption")


def test_a_day_before_any_usage_says_so(demo, run_app):
    app = run_app(demo.config_path, page="adoption", as_of="2025-01-06")
    assert not app.exception
    assert any("Aucune donnée d'usage au 06/01/2025" in i.value for i in app.info)
    assert not app.metric


def test_a_bad_config_shows_an_error_not_a_traceback(tmp_path, run_app):
    config = tmp_path / "hypercare.yaml"
    config.write_text("locale: de\nprivacy:\n  min_group_size: zero\n", encoding="utf-8")
    app = run_app(config, page="adoption")
    assert not app.exception
    assert len(app.error) == 1
    message = app.error[0].value
    assert "locale" in message and "min" in message and "group" in message
    assert str(config) in message.replace("\\_", "_")
    assert not app.metric

    app = run_app(tmp_path / "missing.yaml")
    assert not app.exception
    assert "no such config file" in app.error[0].value


def test_an_empty_store_says_which_sources_to_configure(tmp_path, run_app):
    config = tmp_path / "hypercare.yaml"
    config.write_text(
        f"store:\n  url: sqlite:///{tmp_path / 'empty.db'}\nlocale: fr\n", encoding="utf-8"
    )
    app = run_app(config, page="adoption")
    assert not app.exception
    messages = [i.value for i in app.info]
    assert (
        "Aucune donnée d'usage : configurez une source de kind usage dans hypercare.yaml, "
        "puis lancez hypercare collect." in messages
    )
    assert any("source de kind roster" in m for m in messages)
    assert not app.metric
    assert not charts(app)


def test_an_empty_store_with_sources_says_to_collect(demo, tmp_path, run_app):
    config = tmp_path / "hypercare.yaml"
    text = demo.config_path.read_text(encoding="utf-8")
    text = text.replace("url: sqlite:///hypercare-demo/hypercare.db", "url: sqlite:///empty.db")
    config.write_text(text.replace("locale: fr", "locale: en"), encoding="utf-8")
    app = run_app(config, page="adoption")
    assert not app.exception
    messages = [i.value for i in app.info]
    assert any("hypercare collect" in m and "'usage'" in m for m in messages)
    assert any("'annuaire'" in m for m in messages)


def test_each_team_says_when_it_reaches_the_adoption_target(demo, run_app):
    store = open_store(demo.config.store_url)
    try:
        report = build_report(store, demo.day, 5, compute.Settings.from_config(demo.config))
    finally:
        store.dispose()
    forecasts = report["forecasts"]
    assert forecasts, "the demo's report has per-team forecasts"
    app = run_app(demo.config_path, page="adoption", lang="EN")
    assert not app.exception, app.exception
    table = app.dataframe[0].value
    for _, row in table.iterrows():
        found = forecasts.get(f"team:{row['team']}")
        if found is None:
            assert row["forecast"] == "—"
        elif found["already_reached"]:
            assert row["forecast"] == "✅ reached"
        elif found["reached_on"]:
            assert row["forecast"].startswith("around 20")
        else:
            assert row["forecast"] == "not at this pace"


def test_no_list_of_people_unless_the_config_allows_it(demo, run_app):
    app = run_app(demo.config_path, page="adoption")
    assert not app.exception, app.exception
    assert "Pas encore démarré" not in [s.value for s in app.subheader]


def _with_individual_views(demo, tmp_path, roles: str = ""):
    import shutil

    target = tmp_path / "demo"
    shutil.copytree(demo.config_path.parent, target)
    path = target / demo.config_path.name
    text = path.read_text(encoding="utf-8").replace(
        "privacy:\n", "privacy:\n  individual_views: true\n", 1
    )
    path.write_text(roles + text, encoding="utf-8")
    return path


def test_with_individual_views_managers_see_who_has_not_started(demo, run_app, tmp_path):
    from metrics.individuals import not_started
    from metrics.scopes import publishable_population

    path = _with_individual_views(demo, tmp_path)
    store = open_store(demo.config.store_url)
    try:
        with store.session() as session:
            expected = not_started(session, demo.day, publishable_population(session, 5))
    finally:
        store.dispose()
    assert expected, "the demo has people who never started"
    app = run_app(path, page="adoption", lang="EN")
    assert not app.exception, app.exception
    assert "Not started yet" in [s.value for s in app.subheader]
    listed = app.dataframe[-1].value
    assert sorted(listed.iloc[:, 1]) == sorted(r["person"] for r in expected)
    assert "Direction" not in set(listed.iloc[:, 2])  # the suppressed team is never listed
    assert app.get("download_button")


def test_an_ambassador_lists_only_their_own_team(demo, run_app, tmp_path, monkeypatch):
    from hypercare import config as config_module

    monkeypatch.setitem(config_module.SECTIONS, "roles", "metrics.access")
    roles = "roles:\n  managers: [direction@dubois.fr]\n  ambassadors:\n    paul@dubois.fr: [ADV]\n"
    path = _with_individual_views(demo, tmp_path, roles)
    app = run_app(
        path, page="adoption", user={"is_logged_in": True, "email": "paul@dubois.fr"}, lang="EN"
    )
    assert not app.exception, app.exception
    if "Not started yet" in [s.value for s in app.subheader] and len(app.dataframe) > 1:
        assert set(app.dataframe[-1].value.iloc[:, 2]) <= {"ADV"}
    text = rendered_text(app)
    for team in ("Logistique", "Comptabilité", "Commercial", "Achats"):
        assert team not in text
