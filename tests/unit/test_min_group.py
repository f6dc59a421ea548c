"""The minimum group size in every report and export: the small team of the sentinel company
(``tests/sentinel_company.py``, 4 licensed people, ``min_group_size: 5``) is named nowhere but in
a list of suppressed scopes, and no figure depends on what its people did.

The second claim is tested by difference: the same company is built twice, once with the small
team quiet (no usage events, other survey answers, no tickets). Every figure of the report
(several days, forecasts and wave verdicts included), of the survey results, of the alerts and of
the dashboard's reads must be equal in both; a figure that moves is a figure that leaks.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sentinel_company import DAY, SMALL_TEAM, World, build_world, sentinel

from hypercare.cli import main
from metrics.viewer import MANAGER, Viewer

DAYS = (DAY, DAY - dt.timedelta(days=30), DAY - dt.timedelta(days=75))
SUPPRESSED_LINE = "suppressed"  # the one place a table may name the small team


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, World]:
    """The sentinel company, and the same with its small team quiet."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HYPERCARE_SECRET_KEY", "test-secret-key-not-for-production")
        mp.delenv("HYPERCARE_DB_URL", raising=False)
        loud = build_world(tmp_path_factory.mktemp("min-group-loud"))
        quiet = build_world(tmp_path_factory.mktemp("min-group-quiet"), quiet=True)
    return loud, quiet


def cli(world: World, *args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--config", str(world.config_path)])
    assert result.exit_code == 0, result.output
    return result.output


def names_small_team_only_as_suppressed(text: str) -> bool:
    """True when every line naming the small team is a list of suppressed scopes."""
    return all(
        SUPPRESSED_LINE in line or line.strip() in (f'"team:{SMALL_TEAM}"', f'"team:{SMALL_TEAM}",')
        for line in text.splitlines()
        if SMALL_TEAM in line
    )


# ------------------------------------------------------------------------- no figure leaks


def test_the_two_companies_differ_where_the_rule_is_off(worlds):
    """Without the rule (a group size of 1) the small team and the whole company's figures
    differ between the two builds: the comparisons below can fail."""
    from metrics import compute
    from metrics.report import build_report
    from metrics.store import open_store

    reports = []
    for world in worlds:
        store = open_store(world.config.store_url)
        try:
            settings = replace(compute.Settings.from_config(world.config), min_group_size=1)
            reports.append(build_report(store, DAY, 1, settings))
        finally:
            store.dispose()
    loud, quiet = (r["scopes"] for r in reports)
    assert loud[f"team:{SMALL_TEAM}"]["mau"] > 0 and not quiet[f"team:{SMALL_TEAM}"]["mau"]
    assert loud["all"]["mau"] != quiet["all"]["mau"]
    assert loud["all"]["nps"] != quiet["all"]["nps"]
    assert loud["all"]["tickets_open"] != quiet["all"]["tickets_open"]


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_the_report_does_not_depend_on_the_small_team(worlds, day):
    loud, quiet = (
        json.loads(cli(w, "report", "--as-of", day.isoformat(), "--format", "json")) for w in worlds
    )
    assert f"team:{SMALL_TEAM}" in loud["suppressed"]
    assert not any(SMALL_TEAM in scope for scope in loud["scopes"])
    assert loud["scopes"]["all"]["licensed_users"] > 100  # the report has figures to compare
    assert loud == quiet


def test_the_survey_results_do_not_depend_on_the_small_team(worlds):
    for args in ((), ("--by", "round"), ("--by", "period")):
        loud, quiet = (json.loads(cli(w, "surveys", "--format", "json", *args)) for w in worlds)
        assert not any(SMALL_TEAM in row["scope"] for row in loud["rows"])
        assert any(row["scope"] == "all" and row["responses"] for row in loud["rows"])
        assert loud == quiet, args


def test_the_alerts_do_not_depend_on_the_small_team(worlds):
    for day in (DAY - dt.timedelta(days=6), DAY):
        outputs = []
        for world in worlds:
            out = json.loads(
                cli(world, "alerts", "--as-of", day.isoformat(), "--no-notify", "--format", "json")
            )
            assert SMALL_TEAM not in json.dumps(out, ensure_ascii=False)
            outputs.append(
                {
                    "alerts": out["alerts"],
                    "transitions": [
                        {k: v for k, v in t.items() if k != "at"} for t in out["transitions"]
                    ],
                }
            )
        assert outputs[0]["alerts"], "the company has alerts to compare"
        assert outputs[0] == outputs[1], day


def _frames(world: World, viewer: Viewer) -> dict[str, pd.DataFrame]:
    from dashboard import data, data_ops

    config, day = world.config, world.day
    start = day - dt.timedelta(days=27)
    snap = data.snapshot(config, day, viewer)
    return {
        "snapshot": snap.scopes,
        "series": data.user_kpi_series(config, start, day, viewer, ("all", "team", "wave")),
        "kpi": data.kpi_series(
            config,
            "error_rate",
            list(snap.scopes["scope"]),
            day - dt.timedelta(days=6),
            day,
            viewer,
        ),
        "bands": data.frequency_bands(config, day, viewer),
        "lifecycle": data.lifecycle(config, start, day, viewer),
        "features": data.feature_adoption(config, day, viewer),
        "golive": data.go_live_relative(config, day, viewer),
        "surveys": data.survey_scores(config, day, viewer),
        "tickets": data_ops.open_tickets(config, day, viewer).drop(columns=["age_h", "hours_left"]),
        "response": data_ops.response_times(config, day - dt.timedelta(days=120), day, viewer)
        if viewer.role != "ambassador"
        else pd.DataFrame(),
    }


@pytest.mark.parametrize(
    "viewer",
    [MANAGER, Viewer("support"), Viewer("ambassador", frozenset({"Logistique"}))],
    ids=lambda v: v.role,
)
def test_the_dashboards_reads_do_not_depend_on_the_small_team(worlds, viewer):
    loud, quiet = (_frames(w, viewer) for w in worlds)
    assert not loud["snapshot"].empty and not loud["series"].empty
    for name, frame in loud.items():
        text = frame.to_csv()
        assert SMALL_TEAM not in text, name
        assert sentinel(SMALL_TEAM) not in text, name
        pd.testing.assert_frame_equal(frame, quiet[name], obj=name)


# --------------------------------------------------------------- no export names the team


@pytest.mark.parametrize(
    "args",
    [
        ("report", "--as-of", DAY.isoformat()),
        ("report", "--as-of", DAY.isoformat(), "--format", "json"),
        ("surveys",),
        ("surveys", "--format", "json", "--by", "round"),
        ("backlog",),
        ("backlog", "--format", "json"),
        ("backlog", "--format", "csv"),
        ("alerts", "history"),
        ("alerts", "--as-of", DAY.isoformat(), "--no-notify"),
        ("quarantine",),
        ("quarantine", "--format", "json"),
        ("quarantine", "--format", "csv"),
        ("surveys", "links", "--round", "pouls:J+90:vague 1"),  # the small team's wave
        ("surveys", "links", "--round", "pouls:J+90:vague 1", "--format", "csv"),
        ("surveys", "links", "--round", "climat:J+90:vague 1", "--format", "json"),
    ],
    ids=" ".join,
)
def test_no_command_names_the_small_team_but_as_suppressed(worlds, args):
    loud, _ = worlds
    text = cli(loud, *args)
    assert names_small_team_only_as_suppressed(text), text


def test_the_small_teams_feedback_stays_in_the_backlog_without_its_team(worlds):
    loud, _ = worlds
    backlog = json.loads(cli(loud, "backlog", "--format", "json"))
    items = [f for e in backlog["entries"] for f in e["feedback"]]
    theirs = [f for f in items if sentinel(SMALL_TEAM) in f["text"]]
    # the survey comment, the ticket, the meeting note, two pulse comments: none lost
    assert len(theirs) == 5
    assert all(f["team"] is None for f in theirs)
    entry = next(e for e in backlog["entries"] if sentinel(SMALL_TEAM) in e["title"])
    assert entry["teams"] == [] and entry["reach"]["teams"] == 0
    named = [f for f in items if f["team"]]
    assert {f["team"] for f in named} >= {"ADV", "Logistique"}  # other teams keep theirs


def test_the_rule_holds_on_both_engines(store_url, tmp_path):
    world = build_world(tmp_path / "company", store_url=store_url)
    report = json.loads(cli(world, "report", "--as-of", DAY.isoformat(), "--format", "json"))
    assert report["suppressed"] == [f"team:{SMALL_TEAM}"]
    assert names_small_team_only_as_suppressed(json.dumps(report, ensure_ascii=False, indent=2))
    backlog = json.loads(cli(world, "backlog", "--format", "json"))
    assert SMALL_TEAM not in json.dumps(backlog, ensure_ascii=False)
    theirs = [
        f for e in backlog["entries"] for f in e["feedback"] if sentinel(SMALL_TEAM) in f["text"]
    ]
    assert len(theirs) == 5 and all(f["team"] is None for f in theirs)


# ----------------------------------------------------------------------- notifications


class _Webhook:
    """A Slack-compatible incoming webhook on loopback that keeps every message posted."""

    def __init__(self) -> None:
        self.bodies: list[str] = []
        bodies = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                bodies.append(self.rfile.read(length).decode("utf-8"))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _Webhook:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[_Webhook]:
    with _Webhook() as hook:
        yield hook


def test_no_notification_names_the_small_team(tmp_path, webhook, monkeypatch):
    world = build_world(tmp_path / "company")
    text = world.config_path.read_text(encoding="utf-8")
    text = text.replace("alerts:\n", "alerts:\n  notify: {slack: {url_env: SWEEP_SLACK_URL}}\n", 1)
    Path(world.config_path).write_text(text, encoding="utf-8")
    monkeypatch.setenv("SWEEP_SLACK_URL", webhook.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    for offset in range(2, -1, -1):
        cli(world, "alerts", "--as-of", (DAY - dt.timedelta(days=offset)).isoformat())
    assert webhook.bodies, "the alerts sent nothing: nothing was checked"
    for body in webhook.bodies:
        assert SMALL_TEAM not in body
        assert "Logistique" in body or "vague" in body or "all" in body.lower()
