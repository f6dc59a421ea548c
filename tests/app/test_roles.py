"""Roles on the dashboard (AppTest): the local mode, a signed-in manager, an ambassador who
never receives another team's rows, a support lead who cannot open the adoption pages, and an
address with no role. The ``roles:`` section is registered here the way the lead will register
it in ``hypercare.config.SECTIONS``."""

from __future__ import annotations

import pytest
from rendered import rendered_text

from hypercare import config as config_module

ROLES = """roles:
  managers: [direction@dubois.fr]
  support: [support@dubois.fr]
  ambassadors:
    claire@dubois.fr: [Logistique]
"""
OTHER_TEAMS = ("ADV", "Achats", "Commercial", "Comptabilité", "Direction")


@pytest.fixture
def roles_config(support_demo, tmp_path, monkeypatch):
    monkeypatch.setitem(config_module.SECTIONS, "roles", "metrics.access")
    path = tmp_path / "hypercare.yaml"
    text = support_demo.config_path.read_text(encoding="utf-8")
    text = text.replace(
        "sqlite:///support.db", f"sqlite:///{support_demo.config_path.parent}/support.db"
    )
    path.write_text(ROLES + text, encoding="utf-8")
    return path


def signed_in(email):
    return {"is_logged_in": True, "email": email}


def test_without_login_the_app_is_a_labelled_local_mode(demo, run_app):
    app = run_app(demo.config_path)
    assert not app.exception
    assert any("Mode local" in c.value for c in app.sidebar.caption)
    app.switch_page("views/quality.py").run()  # a manager's page
    assert not app.exception


def test_a_logged_out_reader_gets_the_login_button_and_no_data(roles_config, run_app):
    app = run_app(roles_config, user={"is_logged_in": False})
    assert not app.exception
    assert app.button(key="login").label == "Se connecter"
    assert not app.metric and "Logistique" not in rendered_text(app)


def test_an_address_without_a_role_is_refused(roles_config, run_app):
    app = run_app(roles_config, user=signed_in("stranger@x.fr"))
    assert not app.exception
    assert "stranger@x.fr" in app.error[0].value and "roles:" in app.error[0].value
    assert not app.metric and "Logistique" not in rendered_text(app)


def test_a_signed_in_manager_sees_everything(roles_config, run_app):
    app = run_app(roles_config, user=signed_in("Direction@Dubois.fr"))
    assert not app.exception
    assert [t.value for t in app.title] == ["Vue d'ensemble"]
    assert any("direction@dubois.fr · responsable" in c.value for c in app.sidebar.caption)
    for page in ("adoption", "trends", "support", "quality", "glossary"):
        app.switch_page(f"views/{page}.py").run()
        assert not app.exception, page


@pytest.mark.parametrize("page", ["overview", "adoption", "trends", "glossary"])
@pytest.mark.parametrize("lang", ["FR", "EN"])
def test_an_ambassador_never_receives_another_teams_rows(roles_config, run_app, page, lang):
    app = run_app(roles_config, page=page, user=signed_in("claire@dubois.fr"), lang=lang)
    assert not app.exception
    text = rendered_text(app)
    for team in OTHER_TEAMS:
        if page == "glossary" and team == "Direction":
            continue  # the glossary's column header, in English
        assert team not in text, (page, team)
    if page != "glossary":
        assert "Logistique" in text
    assert app.multiselect(key="teams").options == ["Logistique"]


def test_an_ambassador_sees_other_teams_as_a_count_and_cannot_open_support_pages(
    roles_config, run_app
):
    app = run_app(roles_config, user=signed_in("claire@dubois.fr"))
    assert any("4 autre(s) équipe(s)" in c.value for c in app.caption)
    for page in ("support", "quality"):
        with pytest.raises(ValueError):
            app.switch_page(f"views/{page}.py")


def test_the_support_lead_gets_support_and_not_the_adoption_pages(roles_config, run_app):
    app = run_app(roles_config, user=signed_in("support@dubois.fr"), lang="EN")
    assert not app.exception
    assert [t.value for t in app.title] == ["Support"]  # their home page
    assert {m.label for m in app.metric} >= {"Open tickets", "Past SLA"}
    for page in ("overview", "adoption", "trends", "quality"):
        with pytest.raises(ValueError):
            app.switch_page(f"views/{page}.py")
    app.switch_page("views/glossary.py").run()
    assert not app.exception
