"""Pulse surveys in the app (AppTest) on a copy of the demo store: a respondent fills in an
identified and an anonymous round through their link, the answers reach the scores and the
backlog, a second submission with the same link is refused with a clear message, an anonymous
round's data holds no identity, and the managers' page shows rates, reminders and the CSV."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest
import yaml
from rendered import rendered_text
from sqlalchemy import select

from dashboard import tables
from hypercare.config import load_config
from metrics.store import open_store
from metrics.store.models import PulseUse, SurveyAnswer, SurveyResponse
from surveys import pulse
from surveys.backlog import build_backlog, refresh_backlog
from surveys.results import survey_scores
from surveys.settings import backlog_settings, survey_settings

TODAY = dt.date.today()
COMMENT = "Impossible de facturer en lot depuis la mise à jour"


@pytest.fixture
def pulse_config(demo, tmp_path, monkeypatch):
    """The demo's config on a copy of its store, with one identified and one anonymous survey
    whose rounds are open today (the real day: the page checks it)."""
    monkeypatch.setenv("HYPERCARE_SECRET_KEY", "dashboard-test-key")
    raw = yaml.safe_load(demo.config_path.read_text(encoding="utf-8"))
    raw.pop("reconciliation", None)
    shutil.copy(demo.config.store_url.removeprefix("sqlite:///"), tmp_path / "store.db")
    raw["store"]["url"] = f"sqlite:///{tmp_path / 'store.db'}"
    for source in raw["sources"]:
        if "path" in source:
            source["path"] = str(demo.config_path.parent / source["path"])
    opens, closes = TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=6)
    dates = {"opens": opens.isoformat(), "closes": closes.isoformat()}
    raw["surveys"]["pulse"] = [
        {
            "id": "flash",
            "title": {"fr": "Votre avis sur l'outil", "en": "Your view of the tool"},
            "questions": ["nps", {"type": "comment"}],
            "rounds": [{"name": "novembre", **dates}],
        },
        {
            "id": "anonyme",
            "anonymous": True,
            "title": {"fr": "Climat", "en": "Climate"},
            "questions": [
                "csat",
                {
                    "type": "choice",
                    "text": {"fr": "Accompagné ?", "en": "Supported?"},
                    "options": [{"fr": "Oui", "en": "Yes"}, {"fr": "Non", "en": "No"}],
                },
            ],
            "rounds": [{"name": "novembre", **dates}],
        },
    ]
    path = tmp_path / "hypercare.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def links(path, round_key, count=1, team=None):
    config = load_config(path)
    store = open_store(config.store_url)
    try:
        with store.session() as session:
            round_ = pulse.find_round(session, config, round_key)
            people = [p for p in pulse.audience(session, round_) if team in (None, p.team)]
        return [
            (p, pulse.issue_token(config, pulse.claim_for(config, round_, p)))
            for p in people[:count]
        ]
    finally:
        store.dispose()


def answer(run_app, path, token, values, lang=None):
    app = run_app(path, t=token, lang=lang)
    assert not app.exception, app.exception
    for key, value in values.items():
        if key == "q_comment":
            app.text_area(key=key).input(value)
        else:
            app.radio(key=key).set_value(value)
    app.button(key="pl_submit").click()
    app.run()
    assert not app.exception, app.exception
    return app


def test_identified_round_answered_once_and_in_scores_and_backlog(pulse_config, run_app):
    ((person, token),) = links(pulse_config, "flash:novembre")
    app = run_app(pulse_config, t=token)
    text = rendered_text(app)
    assert "Votre avis sur" in text and "nominatives" in text
    assert not app.sidebar.children or "Adoption" not in rendered_text(app.sidebar)
    # Nothing answered: the form says what is missing and stores nothing.
    app.button(key="pl_submit").click()
    app.run()
    assert "Il manque une réponse aux questions 1." in rendered_text(app)

    app = answer(run_app, pulse_config, token, {"q_nps": 2, "q_comment": COMMENT})
    assert "Merci !" in rendered_text(app)
    # The same link again, in English: refused with a clear message, nothing stored twice.
    again = run_app(pulse_config, t=token, lang="en")
    assert "You have already answered this round" in rendered_text(again)
    assert not [b for b in again.button if b.key == "pl_submit"]

    config = load_config(pulse_config)
    store = open_store(config.store_url)
    try:
        with store.session() as session:
            mine = session.scalars(
                select(SurveyResponse).where(SurveyResponse.source == "pulse:flash")
            ).all()
            assert [r.user_key for r in mine] == [person.person]
            scores = survey_scores(
                session, min_group_size=1, settings=survey_settings(config), sources=["pulse:flash"]
            )
            assert scores.row("all").scores["nps"].value == -100.0
            refresh_backlog(session, backlog_settings(config), config.tz)
        with store.session() as session:
            backlog = build_backlog(session, backlog_settings(config))
        refs = [(f.source, e.lane) for e in backlog.entries for f in e.feedback]
        assert ("pulse:flash", "urgent") in refs
    finally:
        store.dispose()


def test_anonymous_round_holds_no_identity(pulse_config, run_app):
    pairs = links(pulse_config, "anonyme:novembre", count=2, team="Comptabilité")
    for _person, token in pairs:
        app = answer(run_app, pulse_config, token, {"q_csat": 5, "q_choice": "Oui"}, lang="en")
        assert "Thank you!" in rendered_text(app)
    refused = run_app(pulse_config, t=pairs[0][1])
    assert "Vous avez déjà répondu" in rendered_text(refused)
    config = load_config(pulse_config)
    store = open_store(config.store_url)
    try:
        with store.session() as session:
            mine = session.scalars(
                select(SurveyResponse).where(SurveyResponse.source == "pulse:anonyme")
            ).all()
            assert len(mine) == 2
            assert {r.user_key for r in mine} == {None}
            assert {r.team for r in mine} == {"Comptabilité"}
            texts = " ".join(
                f"{r.ref} {r.response_key} {r.row_hash} {r.submitted_at}" for r in mine
            )
            texts += " ".join(session.scalars(select(PulseUse.use_key)))
            texts += " ".join(t or "" for t in session.scalars(select(SurveyAnswer.text)))
            for person, token in pairs:
                assert person.person not in texts
                assert token not in texts and token.split(".")[1] not in texts
    finally:
        store.dispose()


def test_a_tampered_link_shows_no_form_and_nothing_else(pulse_config, run_app):
    ((_, token),) = links(pulse_config, "flash:novembre")
    body, signature = token.split(".")
    app = run_app(pulse_config, t=f"{body}.{signature[::-1]}")
    assert not app.exception
    text = rendered_text(app)
    assert "pas valide : il a été modifié ou coupé" in text
    assert "Adoption" not in text and not [b for b in app.button if b.key == "pl_submit"]


def test_managers_page_rates_reminders_and_csv(pulse_config, run_app):
    ((answered, token),) = links(pulse_config, "flash:novembre", team="Comptabilité")
    answer(run_app, pulse_config, token, {"q_nps": 9, "q_comment": '=HYPERLINK("x")'})
    app = run_app(pulse_config, page="pulse", lang="EN")
    assert not app.exception, app.exception
    app.selectbox(key="pl_round").set_value("flash:novembre").run()
    assert not app.exception, app.exception
    text = rendered_text(app)
    assert "Response rate per team" in text
    assert "Teams hidden (fewer than 5 people): 1." in text  # a count: never the team's name
    assert "Direction" not in text
    rates = app.dataframe[0].value
    compta = rates[rates["team"] == "Comptabilité"].iloc[0]
    assert compta["answered"] == 1 and compta["asked"] > 1
    remind = app.dataframe[1].value
    config = load_config(pulse_config)
    store = open_store(config.store_url)
    try:
        with store.session() as session:
            round_ = pulse.find_round(session, config, "flash:novembre")
            pending = pulse.reminders(session, round_)
            everyone = pulse.audience(session, round_)
            header, rows = pulse.export_rows(session, round_.survey)
    finally:
        store.dispose()
    assert len(remind) == len(pending) == len(everyone) - 1
    assert answered.person not in set(remind["person"])
    csv = tables.csv_bytes(pd.DataFrame(rows, columns=header), "fr").decode("utf-8-sig")
    assert "'=HYPERLINK" in csv
    app.selectbox(key="pl_round").set_value("anonyme:novembre").run()
    assert "Anonymous round: nobody can tell who has not answered" in rendered_text(app)


def test_an_ambassador_sees_their_teams_only(pulse_config, run_app, monkeypatch):
    from hypercare import config as config_module

    monkeypatch.setitem(config_module.SECTIONS, "roles", "metrics.access")
    raw = yaml.safe_load(pulse_config.read_text(encoding="utf-8"))
    raw["roles"] = {
        "managers": ["direction@dubois.fr"],
        "ambassadors": {"claire@dubois.fr": ["Logistique"]},
    }
    pulse_config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    ((_, token),) = links(pulse_config, "flash:novembre", team="Comptabilité")
    answer(run_app, pulse_config, token, {"q_nps": 9, "q_comment": "Secret de la compta"})
    user = {"is_logged_in": True, "email": "claire@dubois.fr"}
    app = run_app(pulse_config, page="pulse", user=user)
    assert not app.exception, app.exception
    app.selectbox(key="pl_round").set_value("flash:novembre").run()
    assert not app.exception, app.exception
    rates = app.dataframe[0].value
    assert list(rates["team"]) == ["Logistique"]
    remind = app.dataframe[1].value
    assert set(remind["team"]) == {"Logistique"}
    assert "Comptabilité" not in rendered_text(app)


def test_the_sidebars_teams_narrow_the_tables_not_the_totals(pulse_config, run_app):
    def opened(**query):
        app = run_app(pulse_config, page="pulse", lang="EN", **query)
        app.selectbox(key="pl_round").set_value("flash:novembre").run()
        assert not app.exception, app.exception
        return app

    everyone = opened()
    narrowed = opened(teams=["Logistique", "ADV"])
    assert set(everyone.dataframe[0].value["team"]) > {"Logistique", "ADV"}
    assert set(narrowed.dataframe[0].value["team"]) == {"Logistique", "ADV"}
    assert set(narrowed.dataframe[1].value["team"]) == {"Logistique", "ADV"}
    assert [m.value for m in narrowed.metric] == [m.value for m in everyone.metric]
