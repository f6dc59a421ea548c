"""The Retours / Feedback page (AppTest) on a copy of the demo store: the urgent blocker on top
in French and English, a manager's status change stored with who and when, an ambassador who
cannot edit another team's entry nor read its items, and the CSV download."""

from __future__ import annotations

import shutil

import pytest
import yaml
from rendered import rendered_text
from sqlalchemy import select

from hypercare import config as config_module
from hypercare.config import load_config
from metrics.store import open_store
from metrics.store.models import FeedbackEdit, FeedbackItem
from metrics.viewer import MANAGER
from surveys.backlog import build_backlog, refresh_backlog
from surveys.settings import backlog_settings
from surveys.workflow import history

ROLES = {
    "managers": ["direction@dubois.fr"],
    "support": ["support@dubois.fr"],
    "ambassadors": {"claire@dubois.fr": ["Logistique"]},
}
URGENT = "Impossible de facturer en lot"


@pytest.fixture
def feedback_config(demo, tmp_path, monkeypatch):
    """The demo's config with roles, on a copy of its store (these tests write to it)."""
    monkeypatch.setitem(config_module.SECTIONS, "roles", "metrics.access")
    monkeypatch.setenv("HYPERCARE_SECRET_KEY", "dashboard-test-key")
    raw = yaml.safe_load(demo.config_path.read_text(encoding="utf-8"))
    raw.pop("reconciliation", None)
    source_db = demo.config.store_url.removeprefix("sqlite:///")
    shutil.copy(source_db, tmp_path / "store.db")
    raw["store"]["url"] = f"sqlite:///{tmp_path / 'store.db'}"
    for source in raw["sources"]:
        if "path" in source:
            source["path"] = str(demo.config_path.parent / source["path"])
    raw = {"roles": ROLES, **raw}
    path = tmp_path / "hypercare.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def signed_in(email):
    return {"is_logged_in": True, "email": email}


def open_page(run_app, path, email="direction@dubois.fr", **query):
    app = run_app(path, page="feedback", user=signed_in(email), **query)
    assert not app.exception, app.exception
    return app


def stored_backlog(path):
    config = load_config(path)
    store = open_store(config.store_url)
    try:
        with store.session() as session:  # what the page does first
            refresh_backlog(session, backlog_settings(config), config.tz)
        with store.session() as session:
            return build_backlog(session, backlog_settings(config), MANAGER), config
    finally:
        store.dispose()


def edit_state(rows):
    return {"edited_rows": rows, "added_rows": [], "deleted_rows": []}


@pytest.mark.parametrize(
    ("lang", "title", "status"), [("FR", "Retours", "nouveau"), ("EN", "Feedback", "new")]
)
def test_the_page_puts_the_urgent_blocker_first(feedback_config, run_app, lang, title, status):
    app = open_page(run_app, feedback_config, lang=lang)
    assert [h.value for h in app.title] == [title]
    assert URGENT in app.error[0].value  # the urgent lane, on top
    table = app.data_editor(key="feedback_editor").value
    assert table.iloc[0]["title"].endswith(URGENT)
    assert list(table["rank"]) == sorted(table["rank"])
    assert set(table["status"]) == {status}
    assert app.get("arrow_vega_lite_chart") or app.get("vega_lite_chart")


def test_a_manager_changes_a_status_and_it_is_stored_with_who_and_when(feedback_config, run_app):
    app = open_page(run_app, feedback_config)
    table = app.data_editor(key="feedback_editor").value
    row = 1  # the first entry of the backlog lane
    key = table.iloc[row]["key"]
    app.session_state["feedback_editor"] = edit_state({row: {"status": "planifié"}})
    app.button(key="feedback_save").click().run()
    assert not app.exception
    assert [e.value for e in app.error if "refus" in e.value] == []
    assert any("1 modification" in s.value for s in app.success)

    backlog, config = stored_backlog(feedback_config)
    theme_id = int(key.split(":")[1])
    entry = next(e for e in backlog.entries if e.theme_id == theme_id)
    assert entry.status == "planned"
    store = open_store(config.store_url)
    try:
        with store.session() as session:
            edits = history(session, MANAGER, theme_id=theme_id)
            assert edits and all(e.by == "direction@dubois.fr" for e in edits)
            assert all(e.new_value == "planned" and e.at is not None for e in edits)
            assert len(edits) == len(entry.feedback)
    finally:
        store.dispose()


def test_an_ambassador_cannot_edit_nor_read_another_teams_entry(feedback_config, run_app):
    backlog, config = stored_backlog(feedback_config)
    blocker = next(e for e in backlog.entries if e.title == URGENT)
    assert "Logistique" not in blocker.teams
    own = {f.text for e in backlog.entries for f in e.feedback if f.team == "Logistique"}
    # (the demo's people reuse phrases: a text Logistique also wrote may show as theirs)
    others = [
        f.text
        for e in backlog.entries
        for f in e.feedback
        if f.team != "Logistique" and f.text not in own
    ]
    assert others

    app = open_page(run_app, feedback_config, email="claire@dubois.fr")
    text = rendered_text(app)
    assert URGENT not in text
    for other in others:
        assert other not in text
    table = app.data_editor(key="feedback_editor").value
    assert all(teams == "Logistique" for teams in table["teams"])

    # A forged edit that points the first row at the blocker's theme is refused by the workflow.
    app.session_state["feedback_editor"] = edit_state(
        {0: {"key": f"theme:{blocker.theme_id}", "status": "fait"}}
    )
    app.button(key="feedback_save").click().run()
    assert not app.exception
    assert any("may not edit" in e.value for e in app.error)
    assert not any("modification" in s.value for s in app.success)
    store = open_store(config.store_url)
    try:
        with store.session() as session:
            assert not list(session.scalars(select(FeedbackEdit)))
            statuses = session.scalars(
                select(FeedbackItem.status).where(FeedbackItem.theme_id == blocker.theme_id)
            )
            assert set(statuses) == {"new"}
    finally:
        store.dispose()


def test_the_csv_download_is_offered(feedback_config, run_app):
    app = open_page(run_app, feedback_config, lang="EN")
    button = app.get("download_button")
    assert any("Download the backlog" in b.proto.label for b in button)


def _themed(path):
    backlog, _ = stored_backlog(path)
    return [e for e in backlog.entries if e.theme_id is not None]


def test_a_manager_merges_two_themes_and_the_merge_is_kept(feedback_config, run_app):
    first, second = _themed(feedback_config)[:2]
    people = {f.id for f in first.feedback} | {f.id for f in second.feedback}
    app = open_page(run_app, feedback_config, lang="EN")
    app.multiselect(key="feedback_merge_pick").set_value([first.theme_id, second.theme_id]).run()
    app.button(key="feedback_merge").click().run()
    assert not app.exception, app.exception
    assert any("2 themes merged" in s.value for s in app.success)
    themed = _themed(feedback_config)  # refreshing the themes (a new run) keeps the merge
    merged = next(e for e in themed if e.theme_id == first.theme_id)
    assert {f.id for f in merged.feedback} == people
    assert second.theme_id not in {e.theme_id for e in themed}
    _, config = stored_backlog(feedback_config)
    store = open_store(config.store_url)
    try:
        with store.session() as session:
            edits = history(session, MANAGER, theme_id=first.theme_id)
            assert {e.action for e in edits} >= {"merge"}
            assert all(e.by == "direction@dubois.fr" for e in edits)
    finally:
        store.dispose()


def test_splitting_an_item_out_then_giving_it_back(feedback_config, run_app):
    entry = next(e for e in _themed(feedback_config) if len(e.feedback) >= 2)
    item = entry.feedback[0].id
    app = open_page(run_app, feedback_config)
    app.selectbox(key="feedback_split_theme").set_value(entry.theme_id).run()
    app.multiselect(key="feedback_split_items").set_value([item]).run()
    app.button(key="feedback_split").click().run()
    assert not app.exception, app.exception
    assert any("séparé" in s.value for s in app.success)
    alone = next(e for e in _themed(feedback_config) if item in {f.id for f in e.feedback})
    assert alone.theme_id != entry.theme_id and [f.id for f in alone.feedback] == [item]

    app.selectbox(key="feedback_split_theme").set_value(alone.theme_id).run()
    app.multiselect(key="feedback_split_items").set_value([item]).run()
    app.button(key="feedback_release").click().run()
    assert not app.exception, app.exception
    assert any("classement automatique" in s.value for s in app.success)


def test_an_ambassador_cannot_merge_another_teams_theme(feedback_config, run_app):
    app = open_page(run_app, feedback_config, email="claire@dubois.fr")
    own = app.multiselect(key="feedback_merge_pick").options
    backlog, _ = stored_backlog(feedback_config)
    foreign = next(
        e for e in backlog.entries if e.theme_id is not None and "Logistique" not in e.teams
    )
    assert all(foreign.title not in option for option in own)  # not even offered


def test_the_support_lead_gets_no_regrouping(feedback_config, run_app):
    app = open_page(run_app, feedback_config, email="support@dubois.fr")
    assert not [b for b in app.button if b.key in ("feedback_merge", "feedback_split")]
