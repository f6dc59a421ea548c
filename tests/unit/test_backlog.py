"""The backlog: scoring formulas, workflow rules per viewer, edit history, exports, the contract's
JSON through the CLI, what an ambassador may read, and the demo company's feedback."""

import csv
import datetime as dt
import io
import json
import statistics

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from collectors.run import collect
from hypercare.cli import main
from hypercare.config import ConfigError, load_config
from metrics.store import open_store
from metrics.store.models import FeedbackEdit, FeedbackItem
from metrics.viewer import MANAGER, Viewer
from surveys import priority
from surveys.backlog import Backlog, Entry, FeedbackRef, build_backlog, entry_status
from surveys.export import safe_cell, to_csv
from surveys.settings import backlog_settings
from surveys.workflow import (
    EditRefused,
    edit_items,
    edit_theme,
    history,
    merge_themes,
    parse_status,
)


def test_reach_impact_confidence_and_the_three_scores_by_hand():
    # 7 people in 3 teams: 7 × (1 + 0.5 × 2) = 14
    assert priority.reach(7, 3) == 14
    assert priority.reach(4, 0) == 4
    # urgent → massive (3); a high ticket → high (2); otherwise medium (1)
    assert priority.rubric_impact(urgent=True, high_priority=False) == 3
    assert priority.rubric_impact(urgent=False, high_priority=True) == 2
    # 3 reporters, 2 detractors (> half) → one step up: medium → high
    assert priority.rubric_impact(urgent=False, high_priority=False, reporters_nps=[2, 5, 10]) == 2
    # 2 of 3 promoters → one step down: high → medium; a tie (1 of 2) changes nothing
    assert priority.rubric_impact(urgent=False, high_priority=True, reporters_nps=[9, 10, 3]) == 1
    assert priority.rubric_impact(urgent=False, high_priority=False, reporters_nps=[9, 3]) == 1
    assert priority.rubric_impact(urgent=True, high_priority=True, reporters_nps=[0, 0]) == 3
    assert priority.confidence(["survey"]) == 0.5
    assert priority.confidence(["survey", "ticket", "survey"]) == 0.8
    assert priority.confidence(["survey", "ticket", "meeting"]) == 1.0
    # RICE = 14 × 2 × 0.8 / 1 = 22.4; ICE = 2 × 0.8 × (1 / 2) = 0.8; value/effort = 14 × 2 / 4 = 7
    assert priority.score("rice", 14, 2, 0.8, 1) == 22.4
    assert priority.score("ice", 14, 2, 0.8, 2) == 0.8
    assert priority.score("value_effort", 14, 2, 0.8, 4) == 7
    with pytest.raises(ValueError):
        priority.score("rice", 1, 1, 1, 0)
    assert priority.is_quick_win(28, 1, median_value=10, max_effort=1)
    assert not priority.is_quick_win(28, None, median_value=10, max_effort=1)  # not estimated
    assert not priority.is_quick_win(5, 1, median_value=10, max_effort=1)


def test_entry_status_is_its_least_advanced_item():
    assert entry_status(["done", "planned", "wont_do"]) == "planned"
    assert entry_status(["done", "done"]) == "done"
    assert entry_status(["wont_do", "wont_do"]) == "wont_do"
    assert parse_status("In progress") == "in_progress"
    assert parse_status("ne sera pas fait") == "wont_do"
    assert parse_status("won’t do") == "wont_do"
    with pytest.raises(ValueError, match="not a status"):
        parse_status("maybe")


def test_csv_cells_that_look_like_formulas_are_neutralized():
    assert safe_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    for text in ("+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("Export FEC") == "Export FEC"
    assert safe_cell(-3.5) == -3.5
    ref = FeedbackRef(
        1, "jira", "ticket", "=cmd|' /C calc'!A0", None, "ADV", "t", "x", None,
        "new", None, None, None, None, None,
    )  # fmt: skip
    entry = Entry(
        None, "=1+1", "@theme", "backlog", 1.0, "rice", 1, 1, 1.0, 1.0, 0.5, 1.0, False, 1.0,
        "new", "-owner", ["+Team"], [ref], [], None,
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(to_csv(Backlog([entry], "rice")))))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["title"] == "'=1+1" and row["theme"] == "'@theme"
    assert row["owner"] == "'-owner" and row["teams"] == "'+Team"
    assert row["feedback"] == "jira:=cmd|' /C calc'!A0"  # starts with "jira:", harmless


ROSTER = (
    "user;team\n"
    + "".join(f"A{i};ADV\n" for i in range(4))
    + "".join(f"L{i};Logistique\n" for i in range(4))
)
TICKETS = (
    "Key;Summary;Priority;Created;Reporter\n"
    "T-1;Impossible de facturer en lot;Highest;01/06/2026 09:00;A0\n"
    "T-2;La facturation en lot plante, impossible de facturer;High;02/06/2026 09:00;L0\n"
    'T-3;=HYPERLINK("http://evil") PDF lent;Low;03/06/2026 09:00;A1\n'
)
SURVEY = (
    "Horodateur;Matricule;Gêne\n"
    "01/06/2026 10:00;L1;Secret de la Logistique : la facturation en lot est bloquée\n"
    "01/06/2026 11:00;L2;Les bons de livraison manquent sur les factures\n"
    "01/06/2026 12:00;A2;La génération des PDF est lente\n"
)


@pytest.fixture
def backlog_config(store_url, make_config, write):
    write("roster.csv", ROSTER)
    write("tickets.csv", TICKETS)
    write("pulse.csv", SURVEY)
    path = make_config(
        """
        locale: fr
        privacy: {min_group_size: 3}  # teams of 4: shown (a smaller team is never named)
        backlog: {scoring: rice, quick_win: {max_effort: 2}}
        sources:
          - {name: annuaire, kind: roster, format: csv, path: roster.csv}
          - name: support
            kind: tickets
            format: csv
            path: tickets.csv
            columns: {ref: Key, subject: Summary, priority: Priority, created_at: Created,
                      reporter: Reporter}
          - name: pulse
            kind: survey
            format: csv
            path: pulse.csv
            columns: {submitted_at: Horodateur, user: Matricule}
            questions: {comment: [Gêne]}
        """,
        store=store_url,
    )
    config = load_config(path)
    store = open_store(config.store_url)
    assert not any(o.failed for o in collect(config, store))
    yield path, config, store
    store.dispose()


def _json(path, *args):
    result = CliRunner().invoke(main, ["backlog", "--config", str(path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_backlog_json_has_the_contracts_shape_and_every_item_once(backlog_config):
    path, _, store = backlog_config
    data = json.loads(_json(path, "--format", "json"))
    entries = data["entries"]
    first = entries[0]
    for key in (
        "rank", "lane", "title", "theme", "score", "scoring", "reach", "impact", "confidence",
        "effort", "quick_win", "status", "owner", "teams", "feedback",
    ):  # fmt: skip
        assert key in first, key
    assert set(first["reach"]) == {"people", "teams"}
    assert {"source", "kind", "ref", "date"} <= set(first["feedback"][0])
    assert [e["rank"] for e in entries] == list(range(1, len(entries) + 1))
    # The blocker (T-1 Highest, T-2 and L1's comment about the same thing) leads.
    assert first["lane"] == "urgent" and first["scoring"] == "rice"
    refs = {(f["source"], f["ref"]) for f in first["feedback"]}
    assert {("support", "T-1"), ("support", "T-2"), ("pulse", "1")} <= refs
    assert first["teams"] == ["ADV", "Logistique"]
    assert first["reach"] == {"people": 3, "teams": 2}
    # RICE: reach 3 × 1.5 = 4.5, impact 3 (urgent), confidence 0.8 (tickets and a survey), effort 1
    assert (first["impact"], first["confidence"], first["effort"]) == (3.0, 0.8, 1.0)
    assert first["score"] == 10.8
    listed = [(f["source"], f["ref"]) for e in entries for f in e["feedback"]]
    with store.session() as session:
        items = [(i.source, i.ref) for i in session.scalars(select(FeedbackItem))]
    assert sorted(listed) == sorted(items) and len(items) == 6
    # A second run adds nothing.
    again = json.loads(_json(path, "--format", "json"))
    assert [(e["title"], len(e["feedback"])) for e in again["entries"]] == [
        (e["title"], len(e["feedback"])) for e in entries
    ]
    table = _json(path)
    assert "urgent" in table and "Impossible de facturer en lot" in table
    rows = list(csv.DictReader(io.StringIO(_json(path, "--format", "csv"))))
    assert len(rows) == len(entries)
    assert all(not r["title"].startswith("=") for r in rows)


def test_editing_rules_per_viewer_and_history(backlog_config):
    _, config, store = backlog_config
    settings = backlog_settings(config)
    ambassador = Viewer("ambassador", frozenset({"ADV"}), email="amb@x.fr")
    support = Viewer("support", email="sup@x.fr")
    _json(backlog_config[0])  # refresh the items and themes
    with store.session() as session:
        items = {i.ref: i for i in session.scalars(select(FeedbackItem))}
        adv, logistique = items["T-1"].id, items["T-2"].id
        theme = items["T-1"].theme_id
    assert items["T-1"].theme_id == items["T-2"].theme_id

    with store.session() as session:
        edits = edit_items(session, ambassador, [adv], {"status": "triaged", "effort": "2,5"})
    assert [(e.field, e.old_value, e.new_value, e.by) for e in edits] == [
        ("status", "new", "triaged", "amb@x.fr"),
        ("effort", None, "2.5", "amb@x.fr"),
    ]
    with (
        pytest.raises(EditRefused, match="may not edit items of Logistique") as refused,
        store.session() as session,
    ):
        edit_items(session, ambassador, [adv, logistique], {"owner": "Ana"})
    assert "an ambassador edits only the items of ADV" in str(refused.value)
    with (
        pytest.raises(EditRefused, match="support leads read the backlog"),
        store.session() as session,
    ):
        edit_items(session, support, [adv], {"note": "vu"})
    with pytest.raises(ValueError, match="impact must be one of"), store.session() as session:
        edit_items(session, MANAGER, [adv], {"impact": 4})
    with pytest.raises(ValueError, match="cannot be edited"), store.session() as session:
        edit_items(session, MANAGER, [adv], {"team": "ADV"})
    # A theme-wide edit by the ambassador changes their team's item only.
    with store.session() as session:
        edits = edit_theme(session, ambassador, theme, {"owner": "Ana", "note": "éditeur relancé"})
    assert {e.item_id for e in edits} == {adv}
    with store.session() as session:
        edit_theme(session, MANAGER, theme, {"status": "planned"})
        merge_refused = Viewer("ambassador", frozenset({"Logistique"}))
        with pytest.raises(EditRefused, match="may not merge items of ADV"):
            other = session.scalar(select(FeedbackItem.theme_id).where(FeedbackItem.ref == "3"))
            merge_themes(session, merge_refused, theme, [other])
    with store.session() as session:
        stored = session.get(FeedbackItem, adv)
        assert (stored.status, stored.owner, stored.effort) == ("planned", "Ana", 2.5)
        assert stored.updated_by == "manager" and stored.updated_at is not None
        log = history(session, MANAGER, item_id=adv)
        # newest first: the manager's status, then the ambassador's owner and note
        assert [(e.field, e.by) for e in log][:3] == [
            ("status", "manager"),
            ("note", "amb@x.fr"),
            ("owner", "amb@x.fr"),
        ]
        assert all(isinstance(e.at, dt.datetime) for e in log)
        assert {e.item_id for e in history(session, ambassador)} == {adv}
        # 2 (status, effort) + 2 (owner, note) + 3 (the theme's three items planned)
        assert len(session.scalars(select(FeedbackEdit)).all()) == 7
        backlog = build_backlog(session, settings)
    first = backlog.entries[0]
    # The entry is as far along as its least advanced item: both planned now.
    assert (first.status, first.owner, first.effort) == ("planned", "Ana", 2.5)


def test_ambassador_reads_counts_of_other_teams_never_their_text(backlog_config):
    path, config, store = backlog_config
    _json(path)
    settings = backlog_settings(config)
    with store.session() as session:
        everything = build_backlog(session, settings)
        mine = build_backlog(session, settings, Viewer("ambassador", frozenset({"ADV"})))
    dumped = json.dumps(Backlog(mine.entries, "rice").as_dict(), ensure_ascii=False)
    assert "Secret de la Logistique" not in dumped
    assert "bons de livraison" not in dumped
    assert "T-2" not in dumped
    first = mine.entries[0]
    assert first.rank == 1 and first.other_teams == {"Logistique": 2}
    assert {f.team for e in mine.entries for f in e.feedback} == {"ADV"}
    # Entries without any ADV item are left out; ranks are those of the whole backlog.
    assert len(mine.entries) < len(everything.entries)
    assert [e.rank for e in mine.entries] == sorted(e.rank for e in mine.entries)


def test_quick_wins_need_an_estimated_low_effort_and_a_high_value(backlog_config):
    path, config, store = backlog_config
    _json(path)
    settings = backlog_settings(config)
    with store.session() as session:
        before = build_backlog(session, settings)
        assert not any(e.quick_win for e in before.entries)  # nobody estimated any effort
        best = max((e for e in before.entries if e.lane != "closed"), key=lambda e: e.value)
        low = min(before.entries, key=lambda e: e.value)
        edit_theme(session, MANAGER, best.theme_id, {"effort": 2})  # max_effort is 2 here
        edit_theme(session, MANAGER, low.theme_id, {"effort": 1})
    with store.session() as session:
        after = {e.theme_id: e for e in build_backlog(session, settings).entries}
    assert after[best.theme_id].quick_win
    if low.value < statistics.median(e.value for e in before.entries):
        assert not after[low.theme_id].quick_win  # cheap, but worth less than the median


def test_backlog_settings_are_validated(make_config):
    config = load_config(
        make_config(
            """
            backlog:
              scoring: ice
              urgent: {keywords: [panne], priorities: [P0]}
              links: {jira: "https://j.example/browse/{ref}"}
            """
        )
    )
    settings = backlog_settings(config)
    assert settings.scoring == "ice" and settings.urgent_keywords == ("panne",)
    assert settings.is_urgent_priority("p0") and not settings.is_urgent_priority("Highest")
    assert backlog_settings(None).is_urgent_priority("très HAUTE")
    with pytest.raises(ConfigError) as info:
        load_config(
            make_config(
                """
                backlog:
                  scoring: wsjf
                  urgent: {keywords: "bloquant"}
                  links: {jira: "https://j.example/browse"}
                  effort: {default: 0}
                """
            )
        )
    message = str(info.value)
    assert "backlog.scoring: expected one of rice, ice, value_effort, found 'wsjf'" in message
    assert "backlog.urgent.keywords: expected a list of words or phrases" in message
    assert "backlog.links.jira: expected a URL with {ref}" in message
    assert "backlog.effort.default: expected a number between" in message


def test_demo_company_feedback_reads_as_a_real_backlog(tmp_path, store_url):
    from hypercare.demo.company import write_demo_company
    from hypercare.demo.feedback import write_demo_feedback
    from surveys.results import survey_scores
    from surveys.settings import survey_settings

    today = dt.date(2026, 11, 23)
    data = tmp_path / "hypercare-demo"
    write_demo_company(data, today)
    files = write_demo_feedback(data, today)
    assert files.responses > 100 and files.tickets_written >= 15 and files.notes >= 10
    roster = """  - name: annuaire
    kind: roster
    format: csv
    path: hypercare-demo/annuaire.csv
    csv: {delimiter: ";", encoding: utf-8-sig}
    dates: {dayfirst: true}
    columns: {user: Matricule, email: E-mail, team: Service, wave: Vague, go_live: Mise en service,
              licensed: Licence, ambassador: Ambassadeur}
    values: {licensed: {Oui: true, Non: false}, ambassador: {Oui: true, Non: false}}
"""
    config_path = tmp_path / "hypercare.yaml"
    config_path.write_text(
        f"store:\n  url: {store_url}\nlocale: fr\ntimezone: Europe/Paris\nsources:\n"
        + roster
        + files.config_yaml("hypercare-demo"),
        encoding="utf-8",
    )
    config = load_config(config_path)
    store = open_store(config.store_url)
    try:
        outcomes = {o.name: o for o in collect(config, store)}
        assert all(not o.failed and o.total("quarantined") == 0 for o in outcomes.values())
        with store.session() as session:
            scores = survey_scores(session, min_group_size=5, settings=survey_settings(config))
    finally:
        store.dispose()
    assert scores.suppressed == ["team:Direction"]
    nps = {r.scope: r.scores["nps"].value for r in scores.rows if not r.round and not r.period}
    assert min(nps, key=nps.get) == "team:Logistique"
    assert nps["team:Comptabilité"] > 0 > nps["team:Logistique"]
    sus = scores.row("all").scores["sus"]
    assert sus.rejected >= 1 and sus.reasons[0].startswith("response ")
    assert {r.round for r in scores.rows} >= {"J+30", "J+90"}

    data = json.loads(_json(config_path, "--format", "json"))
    first = data["entries"][0]
    assert first["lane"] == "urgent" and first["title"] == "Impossible de facturer en lot"
    assert any(f["link"].startswith("https://") for f in first["feedback"] if f["kind"] == "ticket")
    titles = [e["title"] for e in data["entries"][:6]]
    assert any("FEC" in t for t in titles) and any("PDF" in t for t in titles)
    kinds = {f["kind"] for e in data["entries"] for f in e["feedback"]}
    assert kinds == {"survey", "ticket", "meeting"}
