"""SQL injection: hostile strings reach the store only as data, on SQLite and on PostgreSQL.

Team, wave and feature names, a column mapping, ticket text, alert rule names, CLI options
(``collect --source``, ``alerts history --rule/--scope``, ``alerts ack --by/--comment``,
``quarantine --source``), backlog edits, dashboard filter values (an ambassador's teams) and
reconciliation table and column names are all set to strings built to break out of a quoted
SQL literal or identifier. Afterwards every table is still there with its rows, and each string
comes back unchanged wherever it is shown.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, select

from hypercare.cli import main
from hypercare.config import load_config
from metrics.store import open_store
from metrics.store.models import FeedbackItem
from metrics.viewer import Viewer
from surveys.workflow import edit_items

DROP = "x'); DROP TABLE usage_events;--"
OR_TRUE = "' OR '1'='1"
DQUOTE = '"; --'
BACKSLASH = "Compta\\'; DELETE FROM ingest_files; --"
WILDCARDS = 'Log\\\\istique %_ "\\x00'
SEMICOLON = "Ventes; DROP TABLE teams"
TEAMS = (DROP, OR_TRUE, DQUOTE, BACKSLASH, WILDCARDS)
WAVES = (SEMICOLON, OR_TRUE)
USER_COLUMN = 'Utilisateur"); DROP TABLE usage_events;--'
RULE = "r'); DELETE FROM alert_states;--"


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        names = inspect(engine).get_table_names()
        with engine.connect() as conn:
            from sqlalchemy import MetaData

            metadata = MetaData()
            metadata.reflect(conn, only=names)
            return {name: len(conn.execute(select(metadata.tables[name])).all()) for name in names}
    finally:
        engine.dispose()


@pytest.fixture
def hostile_store(store_url, make_config, write):
    people = [[f"u{i}", TEAMS[i % len(TEAMS)], WAVES[i % 2], "2026-05-01"] for i in range(10)]
    write("roster.csv", _csv([["user", "team", "wave", "go_live"], *people]))
    usage = [
        [f"2026-05-{day:02d} 10:00", f"u{i}", TEAMS[(i + day) % len(TEAMS)]]
        for day in range(2, 29)
        for i in range(10)
    ]
    write("usage.csv", _csv([["ts", USER_COLUMN, "feature"], *usage]))
    tickets = [
        ["ref", "created_at", "subject", "priority", "team"],
        ["T-1", "2026-05-20 09:00", DROP, "Highest", TEAMS[0]],
        ["T-2", "2026-05-21 09:00", f"{OR_TRUE} {DQUOTE}", "High", TEAMS[1]],
        ["T-3", "2026-05-22 09:00", BACKSLASH, "Low", TEAMS[3]],
        ["T-4", "2026-05-23 09:00", "a real NUL\x00 in the subject", "Low", TEAMS[4]],
    ]
    write("tickets.csv", _csv(tickets))
    path = make_config(
        f"""
        privacy: {{min_group_size: 1}}
        locale: en
        core_features: [{json.dumps(DROP)}, {json.dumps(OR_TRUE)}]
        sources:
          - {{name: roster, kind: roster, path: roster.csv, csv: {{delimiter: ";"}}}}
          - name: usage
            kind: usage
            path: usage.csv
            csv: {{delimiter: ";"}}
            columns: {{user: {json.dumps(USER_COLUMN)}}}
          - {{name: tickets, kind: tickets, path: tickets.csv, csv: {{delimiter: ";"}}}}
        alerts:
          rules:
            - {{name: {json.dumps(RULE)}, kind: threshold, kpi: adoption_rate, scope: "team:*",
               comparison: "<=", value: 1.0}}
        reconciliation:
          sides:
            legacy: {{url: {json.dumps(store_url)}}}
            new: {{url: {json.dumps(store_url)}}}
          entities:
            - name: {json.dumps(DROP)}
              legacy: {{table: {json.dumps('usage_events"; DROP TABLE usage_events;--')}}}
              new: {{table: usage_events}}
              key: [id]
            - name: columns
              legacy: {{table: usage_events}}
              new: {{table: usage_events}}
              key: [{json.dumps(DQUOTE)}]
        """,
        store=store_url,
    )
    return store_url, str(path)


def test_hostile_names_are_stored_as_data_and_every_table_survives(hostile_store):
    url, config = hostile_store
    collected = _run("collect", "--config", config)
    assert collected.exit_code == 0, collected.output
    assert _run("collect", "--config", config, "--source", DROP).exit_code == 2  # unknown source
    before = _counts(url)
    assert before["usage_events"] == 270 and before["ingest_files"] == 3 and before["people"] == 10
    # the ticket with a real NUL is kept (the NUL replaced) or quarantined, never lost
    assert before["tickets"] + before["quarantine"] == 4

    # the report: every hostile team and wave is a scope of its own, spelled as written
    report = json.loads(
        _run("report", "--config", config, "--as-of", "2026-05-28", "--format", "json").output
    )
    for team in TEAMS:
        assert report["scopes"][f"team:{team}"]["licensed_users"] == 2
    for wave in WAVES:
        assert report["scopes"][f"wave:{wave}"]["licensed_users"] == 5
    assert report["scopes"]["all"]["licensed_users"] == 10

    # alert rules, their history filters and acknowledgements: names and texts as data
    alerts = _run("alerts", "--config", config, "--as-of", "2026-05-28", "--format", "json")
    assert alerts.exit_code == 0, alerts.output
    assert RULE in alerts.output
    history = _run("alerts", "history", "--config", config, "--rule", RULE, "--scope", OR_TRUE)
    assert history.exit_code == 0, history.output
    scope = f"team:{TEAMS[0]}"
    acked = _run(
        "alerts", "ack", RULE, scope, "--config", config, "--by", OR_TRUE, "--comment", DROP
    )
    assert acked.exit_code == 0, acked.output
    shown = _run("alerts", "--config", config, "--as-of", "2026-05-28", "--format", "json")
    states = json.loads(shown.output)
    states = states.get("alerts", states) if isinstance(states, dict) else states
    assert any(
        a.get("rule") == RULE and a.get("scope") == scope and a.get("acknowledged_by") == OR_TRUE
        for a in states
    ), shown.output
    assert _run("quarantine", "--config", config, "--source", DQUOTE).exit_code == 0

    # the reconciliation: a hostile table name is quoted (the table is not found), a hostile
    # key column is reported missing
    reconciled = _run("reconcile", "--config", config, "--format", "table")
    assert reconciled.exit_code == 1, reconciled.output
    assert f"{DROP}  ERROR" in reconciled.output  # the entity name as written
    assert 'usage_events"; DROP TABLE usage_events;--' in reconciled.output  # one quoted name
    assert f"column {DQUOTE!r} is missing" in reconciled.output

    after = _counts(url)
    assert set(after) == set(before)
    for name in ("usage_events", "ingest_files", "people", "tickets", "quarantine"):
        assert after[name] == before[name], name


def test_backlog_edits_and_dashboard_filters_take_hostile_values(hostile_store):
    url, config_path = hostile_store
    assert _run("collect", "--config", config_path).exit_code == 0
    backlog = _run("backlog", "--config", config_path, "--format", "json")
    assert backlog.exit_code == 0, backlog.output
    titles = {e["title"] for e in json.loads(backlog.output)["entries"]}
    assert DROP in titles and BACKSLASH in titles

    store = open_store(url)
    try:
        with store.session() as session:
            ids = [i for (i,) in session.execute(select(FeedbackItem.id))]
            edit_items(session, Viewer(), ids, {"owner": OR_TRUE, "note": f"{DROP} {WILDCARDS}"})
            session.commit()
        with store.session() as session:
            stored = session.execute(select(FeedbackItem.owner, FeedbackItem.note)).all()
        assert stored and all(row == (OR_TRUE, f"{DROP} {WILDCARDS}") for row in stored)
    finally:
        store.dispose()

    from dashboard import data, data_feedback

    config = load_config(config_path)
    import datetime as dt

    as_of = dt.date(2026, 5, 28)
    for team in (DROP, WILDCARDS):
        viewer = Viewer(role="ambassador", teams=frozenset({team}))
        snap = data.snapshot(config, as_of, viewer)
        assert snap.team_names() == [team]
        features = data.feature_adoption(config, as_of, viewer)
        assert not features.empty
        entries = data_feedback.backlog(config, viewer).entries
        assert all(set(e.teams) <= {team} for e in entries)
    nobody = Viewer(role="ambassador", teams=frozenset({OR_TRUE + " --"}))
    assert data.snapshot(config, as_of, nobody).team_names() == []
    assert _counts(url)["usage_events"] == 270
