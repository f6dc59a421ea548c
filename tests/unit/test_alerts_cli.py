"""``hypercare alerts`` as users and cron run it: exit statuses, the JSON shape, ack, silence,
history, and a notification received by a real HTTP server."""

import datetime as dt
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from hypercare.cli import main

ROSTER = "user;team;wave\n" + "".join(
    f"u{i};{team};v1\n" for i, team in enumerate(["Compta"] * 3 + ["Logistique"] * 3, start=1)
)
# Compta: everyone every day from 20/05; Logistique: only u4 on 27/05.
USAGE = (
    "ts;user\n"
    + "".join(f"2026-05-{d:02d} 10:00;u{u}\n" for d in range(20, 32) for u in (1, 2, 3))
    + "2026-05-27 10:00;u4\n"
)
RULES = """
alerts:
  dashboard_url: https://hypercare.example.fr/
  notify:
    slack: {url_env: HC_SLACK}
  rules:
    - {name: adoption-basse, kind: threshold, kpi: adoption_rate, scope: "team:*",
       comparison: "<", value: 0.5, severity: critical, labels: {owner: PMO}}
"""
BASE = """
privacy: {min_group_size: 3}
locale: en
sources:
  - {name: roster, kind: roster, path: roster.csv}
  - {name: usage, kind: usage, path: usage.csv}
"""


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture
def receiver(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    posts: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("HC_SLACK", f"http://127.0.0.1:{server.server_address[1]}/hook")
    yield posts
    server.shutdown()
    server.server_close()


@pytest.fixture
def config(make_config, write, monkeypatch):
    write("roster.csv", ROSTER)
    write("usage.csv", USAGE)
    path = str(make_config(BASE + RULES))
    assert run("collect", "--config", path).exit_code == 0
    return path


KEYS = {
    "rule",
    "kind",
    "scope",
    "kpi",
    "state",
    "value",
    "threshold",
    "comparison",
    "since",
    "severity",
    "labels",
    "acknowledged_by",
    "acknowledged_at",
    "ack_comment",
    "silenced_until",
    "last_as_of",
    "detail",
}


def test_json_run_notifies_and_records(config, receiver):
    result = run("alerts", "--config", config, "--as-of", "2026-05-31", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"as_of", "alerts", "transitions", "notifications", "skipped", "stale"}
    assert report["as_of"] == "2026-05-31"
    [alert] = report["alerts"]
    assert set(alert) == KEYS
    # Logistique: u4 active on 27/05, within the 7 days ending 31/05: 1 of 3 licensed.
    assert alert["scope"] == "team:Logistique" and alert["state"] == "firing"
    assert alert["value"] == pytest.approx(1 / 3, abs=1e-4)
    assert (alert["threshold"], alert["comparison"], alert["since"]) == (0.5, "<", "2026-05-31")
    assert (alert["severity"], alert["labels"]) == ("critical", {"owner": "PMO"})
    assert report["transitions"] == [
        {
            "rule": "adoption-basse",
            "scope": "team:Logistique",
            "kpi": "adoption_rate",
            "from": "normal",
            "to": "firing",
            "value": alert["value"],
            "as_of": "2026-05-31",
            "at": report["transitions"][0]["at"],
        }
    ]
    assert report["notifications"] == [
        {"channel": "slack", "status": "sent", "alerts": 1, "error": None}
    ]
    [post] = receiver
    assert post["text"] == "Hypercare — alerts on 2026-05-31: 1 firing"
    assert "Adoption rate · Team Logistique: 33%" in post["blocks"][1]["text"]["text"]

    again = run("alerts", "--config", config, "--as-of", "2026-05-31", "--format", "json")
    assert json.loads(again.stdout)["transitions"] == [] and len(receiver) == 1


def test_table_output_and_history(config, receiver):
    result = run("alerts", "--config", config, "--as-of", "2026-05-31", "--no-notify")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "alerts as of 2026-05-31: 1 firing, 0 pending"
    assert lines[1].split()[:8] == [
        "state",
        "severity",
        "rule",
        "scope",
        "kpi",
        "value",
        "condition",
        "since",
    ]
    assert lines[3].split()[:6] == [
        "FIRING",
        "critical",
        "adoption-basse",
        "team:Logistique",
        "adoption_rate",
        "33%",
    ]
    assert "threshold < 50%" in lines[3]
    assert "adoption-basse · team:Logistique: normal → firing (33%)" in result.stdout
    assert receiver == []  # --no-notify

    history = run("alerts", "history", "--config", config, "--format", "json")
    assert history.exit_code == 0
    [move] = json.loads(history.stdout)
    assert (move["from"], move["to"], move["as_of"]) == ("normal", "firing", "2026-05-31")
    table = run("alerts", "history", "--config", config)
    assert "normal → firing" in table.stdout and "33%" in table.stdout


def test_ack_and_silence(config):
    run("alerts", "--config", config, "--as-of", "2026-05-31", "--no-notify")
    acked = run(
        "alerts",
        "ack",
        "adoption-basse",
        "team:Logistique",
        "--by",
        "Camille",
        "--comment",
        "relance de l'équipe",
        "--config",
        config,
    )
    assert acked.exit_code == 0, acked.output
    assert acked.stdout.strip() == (
        "adoption-basse · team:Logistique (firing) acknowledged by Camille"
    )
    # --config may come before the subcommand too.
    silenced = run(
        "alerts",
        "--config",
        config,
        "silence",
        "adoption-basse",
        "team:Logistique",
        "--until",
        "2026-06-15",
        "--format",
        "json",
    )
    assert silenced.exit_code == 0, silenced.output
    assert json.loads(silenced.stdout)["silenced_until"] == "2026-06-15"
    report = json.loads(
        run("alerts", "--config", config, "--as-of", "2026-05-31", "--format", "json").stdout
    )
    [alert] = report["alerts"]
    assert (alert["acknowledged_by"], alert["ack_comment"]) == ("Camille", "relance de l'équipe")
    assert alert["silenced_until"] == "2026-06-15"
    table = run("alerts", "--config", config, "--as-of", "2026-05-31", "--no-notify").stdout
    assert "ack: Camille, silenced until 2026-06-15" in table


def test_usage_mistakes_exit_2(config):
    unknown = run("alerts", "ack", "nope", "team:Logistique", "--by", "x", "--config", config)
    assert unknown.exit_code == 2
    assert "'nope' is not an alert rule of this config (rules: adoption-basse)" in unknown.output
    nothing = run("alerts", "ack", "adoption-basse", "team:Compta", "--by", "x", "--config", config)
    assert nothing.exit_code == 2
    assert "nothing to acknowledge: adoption-basse on team:Compta is normal" in nothing.output
    bad_scope = run("alerts", "silence", "adoption-basse", "Compta", "--until", "2026-06-01",
                    "--config", config)  # fmt: skip
    assert bad_scope.exit_code == 2 and "is not a scope" in bad_scope.output
    missing = run("alerts", "ack", "adoption-basse", "team:Compta", "--config", config)
    assert missing.exit_code == 2 and "--by" in missing.output


def test_bad_config_exits_2_and_no_rules_exits_0(make_config, write):
    write("roster.csv", ROSTER)
    bad = make_config(
        BASE
        + """
alerts:
  rules:
    - {name: x, kind: threshold, kpi: adoption_rate, comparison: "<", value: 80}
"""
    )
    result = run("alerts", "--config", str(bad))
    assert result.exit_code == 2
    assert "alerts.rules[0] (x).value: expected a fraction for adoption_rate" in result.output
    empty = make_config(BASE)
    result = run("alerts", "--config", str(empty), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["alerts"] == []


def test_a_failing_channel_is_on_stderr_and_the_exit_status_stays_0(config, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("HC_SLACK", f"http://127.0.0.1:{port}/hook")
    result = run("alerts", "--config", config, "--as-of", "2026-05-31", "--format", "json")
    assert result.exit_code == 0
    assert "hypercare: alerts: slack: cannot reach the server" in result.stderr
    assert "the next run sends them again" in result.stderr
    report = json.loads(result.stdout)
    assert report["notifications"][0]["status"] == "failed"
    assert report["transitions"][0]["to"] == "firing"  # recorded all the same


def test_default_as_of_is_yesterday_in_the_company_timezone(config):
    result = run("alerts", "--config", config, "--format", "json", "--no-notify")
    assert result.exit_code == 0
    yesterday = dt.datetime.now(ZoneInfo("Europe/Paris")).date() - dt.timedelta(days=1)
    assert json.loads(result.stdout)["as_of"] == yesterday.isoformat()
