"""Notifications received by real servers on loopback: an HTTP receiver for the Slack and Teams
webhooks and a small SMTP server for e-mail. Grouping per run, repeat intervals, silences,
acknowledgements, and channels that refuse (HTTP 500, connection refused, SMTP 550).
"""

import base64
import datetime as dt
import email
import email.policy
import json
import os
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml
from sqlalchemy import select

from hypercare.config import Checker
from hypercare.formatting import NARROW_NBSP
from metrics.alerts import evaluate
from metrics.alerts.evaluate import Finding, deliver, record
from metrics.alerts.rules import parse_section
from metrics.alerts.state import Check
from metrics.store import open_store
from metrics.store.models import AlertDelivery, AlertHistory

# ------------------------------------------------------------------------------ the servers


class Receiver:
    """An HTTP server on 127.0.0.1 (port chosen by the system) recording what is posted."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict, dict]] = []
        self.status: dict[str, int] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length).decode("utf-8"))
                receiver.posts.append((self.path, dict(self.headers), body))
                status = receiver.status.get(self.path, 200)
                text = b"ok" if status < 300 else b"internal error"
                self.send_response(status)
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def bodies(self, path: str) -> list[dict]:
        return [body for p, _, body in self.posts if p == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP: EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self) -> None:
        server: SmtpServer = self.server  # type: ignore[assignment]
        self.reply("220 127.0.0.1 hypercare-test ESMTP")
        sender, recipients = None, []
        while raw := self.rfile.readline():
            verb, _, arg = raw.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                self.wfile.write(b"250-127.0.0.1\r\n250-8BITMIME\r\n250 AUTH PLAIN\r\n")
            elif verb == "HELO":
                self.reply("250 127.0.0.1")
            elif verb == "AUTH":
                mechanism, _, initial = arg.partition(" ")
                if mechanism.upper() != "PLAIN":
                    self.reply("504 5.5.4 unrecognized mechanism")
                    continue
                if not initial:
                    self.reply("334 ")
                    initial = self.rfile.readline().decode().strip()
                _, user, password = base64.b64decode(initial).split(b"\0")
                server.logins.append((user.decode(), password.decode()))
                self.reply("235 2.7.0 authenticated")
            elif verb == "MAIL":
                sender, recipients = arg, []
                self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                if server.refuse:
                    self.reply("550 5.1.1 mailbox unavailable")
                    continue
                recipients.append(arg)
                self.reply("250 2.1.5 ok")
            elif verb == "DATA":
                self.reply("354 end data with <CR><LF>.<CR><LF>")
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)
                server.messages.append({"from": sender, "to": recipients, "data": b"".join(lines)})
                self.reply("250 2.0.0 queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 2.0.0 ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:
                self.reply("502 5.5.2 command not implemented")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.messages: list[dict] = []
        self.logins: list[tuple[str, str]] = []
        self.refuse = False
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def mails(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(m["data"], policy=email.policy.default)  # type: ignore[misc]
            for m in self.messages
        ]

    def close(self) -> None:
        self.shutdown()
        self.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def receiver(monkeypatch):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server
    server.close()


@pytest.fixture
def store(store_url):
    opened = open_store(store_url)
    yield opened
    opened.dispose()


# ------------------------------------------------------------------------------ helpers

D1 = dt.date(2026, 6, 1)


def day(n: int) -> dt.date:
    return D1 + dt.timedelta(days=n - 1)


def alerts_config(text: str):
    chk = Checker()
    section = parse_section(chk, yaml.safe_load(text), "alerts")
    assert chk.problems == []
    return section


def evaluate_day(store, alerts, as_of, values, locale="fr", rule_name="adoption-basse"):
    """Record one run where ``values`` gives each scope's adoption rate (None: no data), then
    notify; returns the delivery results."""
    rule = alerts.rule(rule_name)
    findings = [
        Finding(
            rule,
            scope,
            Check(None) if v is None else Check(evaluate.compare(v, rule.comparison, rule.value)),
            v,
            rule.value,
            {"recovery": rule.recovery},
        )
        for scope, v in values.items()
    ]
    now = dt.datetime.combine(as_of, dt.time(7), tzinfo=dt.UTC)
    run_id, _, _ = record(store, findings, as_of, now)
    return deliver(store, alerts, run_id, as_of, now, locale, os.environ.get)


CHANNELS = """
notify:
  slack: {url_env: HC_SLACK}
  teams: {url_env: HC_TEAMS}
  email: {host: 127.0.0.1, port: PORT, starttls: false, from: hypercare@dubois.fr,
          to: [direction@dubois.fr, pmo@dubois.fr], username: hypercare,
          password_env: HC_SMTP_PASSWORD}
"""
RULES = """
rules:
  - {name: adoption-basse, kind: threshold, kpi: adoption_rate, scope: "team:*",
     comparison: "<", value: 0.6, severity: critical, labels: {owner: PMO}, repeat: REPEAT}
"""


def config_text(smtp_port: int, repeat: str = "3d", extra: str = "") -> str:
    return (
        "dashboard_url: https://hypercare.dubois.fr/\n"
        + CHANNELS.replace("PORT", str(smtp_port))
        + RULES.replace("REPEAT", repeat)
        + extra
    )


@pytest.fixture
def channels(receiver, smtp, monkeypatch):
    monkeypatch.setenv("HC_SLACK", receiver.url("/slack"))
    monkeypatch.setenv("HC_TEAMS", receiver.url("/teams"))
    monkeypatch.setenv("HC_SMTP_PASSWORD", "s3cret-smtp")
    return receiver, smtp


# ------------------------------------------------------------------------------ the tests


def test_one_message_per_channel_lists_every_change(store, channels):
    receiver, smtp = channels
    alerts = alerts_config(config_text(smtp.port))
    results = evaluate_day(
        store, alerts, day(1), {"team:Logistique": 0.58, "team:ADV": 0.55, "team:Compta": 0.9}
    )
    assert [(r["channel"], r["status"], r["alerts"]) for r in results] == [
        ("slack", "sent", 2),
        ("teams", "sent", 2),
        ("email", "sent", 2),
    ]

    # Slack: one message, a header, one section per alert, the link; < escaped for mrkdwn.
    [slack] = receiver.bodies("/slack")
    assert slack["text"] == "Hypercare — alertes au 01/06/2026 : 2 déclenchée(s)"
    header, adv, logistique, link = slack["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": slack["text"]}}
    assert adv["type"] == "section" and adv["text"]["type"] == "mrkdwn"
    assert adv["text"]["text"] == (
        f"🔴 Déclenchée (critique) — Taux d'adoption · Équipe ADV : 55{NARROW_NBSP}% — "
        f"seuil &lt; 60{NARROW_NBSP}% [depuis le 01/06/2026, règle adoption-basse, owner=PMO]"
    )
    assert "Équipe Logistique : 58" in logistique["text"]["text"]
    assert link == {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": "<https://hypercare.dubois.fr/|Ouvrir le tableau de bord>"}
        ],
    }
    _, headers, _ = receiver.posts[0]
    assert headers["Content-Type"].startswith("application/json")

    # Teams: a message with one Adaptive Card, a TextBlock per alert, the link as an action.
    [teams] = receiver.bodies("/teams")
    assert teams["type"] == "message"
    [attachment] = teams["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    title, first, second = card["body"]
    assert "Équipe Logistique" in second["text"]
    assert title["text"] == slack["text"] and title["weight"] == "Bolder"
    assert first["type"] == "TextBlock" and first["wrap"] is True
    assert first["color"] == "Attention"
    assert f"seuil < 60{NARROW_NBSP}%" in first["text"]
    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Ouvrir le tableau de bord",
            "url": "https://hypercare.dubois.fr/",
        }
    ]

    # E-mail: one message to both recipients, authenticated with the password from the
    # environment.
    [message] = smtp.messages
    assert message["from"].startswith("FROM:<hypercare@dubois.fr>")
    assert [r.split(">")[0] for r in message["to"]] == [
        "TO:<direction@dubois.fr",
        "TO:<pmo@dubois.fr",
    ]
    assert smtp.logins == [("hypercare", "s3cret-smtp")]
    [mail] = smtp.mails()
    assert mail["Subject"] == slack["text"]
    assert mail["To"] == "direction@dubois.fr, pmo@dubois.fr"
    body = mail.get_content()
    assert "- 🔴 Déclenchée (critique) — Taux d'adoption · Équipe ADV" in body
    assert "Équipe Logistique" in body and "Compta" not in body
    assert "Ouvrir le tableau de bord : https://hypercare.dubois.fr/" in body

    with store.session() as session:
        told = session.scalars(select(AlertDelivery).order_by(AlertDelivery.scope)).all()
    assert {(d.scope, d.channel, d.state) for d in told} == {
        (scope, channel, "firing")
        for scope in ("team:ADV", "team:Logistique")
        for channel in ("slack", "teams", "email")
    }


def test_no_repeat_within_the_interval_then_a_reminder_then_resolved(store, channels):
    receiver, smtp = channels
    alerts = alerts_config(config_text(smtp.port, repeat="3d"))
    sent = []
    for n, value in [(1, 0.5), (1, 0.5), (2, 0.5), (3, 0.52), (4, 0.51), (5, 0.7), (6, 0.7)]:
        results = evaluate_day(store, alerts, day(n), {"team:Logistique": value})
        sent.append((n, [r["channel"] for r in results]))
    everyone = ["slack", "teams", "email"]
    # Day 1 fires (sent once, not again when day 1 runs twice); days 2-3 are within the 3-day
    # interval; day 4 reminds; day 5 resolves; day 6 has nothing new.
    assert sent == [(1, everyone), (1, []), (2, []), (3, []), (4, everyone), (5, everyone), (6, [])]
    texts = [body["text"] for body in receiver.bodies("/slack")]
    assert texts == [
        "Hypercare — alertes au 01/06/2026 : 1 déclenchée(s)",
        "Hypercare — alertes au 04/06/2026 : 1 toujours active(s)",
        "Hypercare — alertes au 05/06/2026 : 1 résolue(s)",
    ]
    reminder = receiver.bodies("/slack")[1]["blocks"][1]["text"]["text"]
    assert reminder.startswith("🟠 Toujours active (critique)") and "51" in reminder
    resolved = receiver.bodies("/slack")[2]["blocks"][1]["text"]["text"]
    assert resolved.startswith("🟢 Résolue (critique) — Taux d'adoption · Équipe Logistique : 70")
    assert len(smtp.messages) == 3


def test_a_failing_channel_is_reported_and_retried_on_the_next_run(store, channels, monkeypatch):
    receiver, smtp = channels
    receiver.status["/slack"] = 500
    monkeypatch.setenv("HC_TEAMS", f"http://127.0.0.1:{closed_port()}/teams")
    alerts = alerts_config(config_text(closed_port()))
    results = evaluate_day(store, alerts, day(1), {"team:Logistique": 0.5})
    by_channel = {r["channel"]: r for r in results}
    assert by_channel["slack"]["status"] == "failed"
    assert by_channel["slack"]["error"] == "the server answered HTTP 500 (internal error)"
    assert by_channel["teams"]["status"] == "failed"
    assert by_channel["teams"]["error"].startswith("cannot reach the server (")
    assert by_channel["email"]["status"] == "failed"
    assert by_channel["email"]["error"].startswith("cannot reach the SMTP server 127.0.0.1:")
    assert "s3cret" not in json.dumps(results) and "/slack" not in json.dumps(results)
    # The transition is recorded all the same, and nothing counts as delivered.
    with store.session() as session:
        assert session.scalar(select(AlertHistory.to_state)) == "firing"
        assert session.scalars(select(AlertDelivery)).all() == []

    # Next run: Slack is back, Teams and e-mail reachable: each gets the firing alert once.
    receiver.status["/slack"] = 200
    monkeypatch.setenv("HC_TEAMS", receiver.url("/teams"))
    alerts = alerts_config(config_text(smtp.port))
    results = evaluate_day(store, alerts, day(2), {"team:Logistique": 0.5})
    assert [(r["channel"], r["status"]) for r in results] == [
        ("slack", "sent"),
        ("teams", "sent"),
        ("email", "sent"),
    ]
    assert len(receiver.bodies("/slack")) == 2  # the refused one and the retry
    retry = receiver.bodies("/slack")[1]["blocks"][1]["text"]["text"]
    assert retry.startswith("🔴 Déclenchée") and "depuis le 01/06/2026" in retry
    assert len(receiver.bodies("/teams")) == 1 and len(smtp.messages) == 1
    # A third run sends nothing more.
    assert evaluate_day(store, alerts, day(3), {"team:Logistique": 0.5}) == []


def test_one_channel_failing_does_not_resend_on_the_others(store, channels):
    receiver, smtp = channels
    receiver.status["/teams"] = 500
    alerts = alerts_config(config_text(smtp.port))
    evaluate_day(store, alerts, day(1), {"team:Logistique": 0.5})
    receiver.status["/teams"] = 202  # a Workflows webhook answers 202 Accepted
    results = evaluate_day(store, alerts, day(2), {"team:Logistique": 0.5})
    assert [(r["channel"], r["status"]) for r in results] == [("teams", "sent")]
    assert len(receiver.bodies("/slack")) == 1 and len(smtp.messages) == 1


def test_smtp_refusal_and_a_missing_secret_are_reported(store, channels, monkeypatch):
    _, smtp = channels
    smtp.refuse = True
    monkeypatch.delenv("HC_SLACK")
    alerts = alerts_config(config_text(smtp.port))
    results = {r["channel"]: r for r in evaluate_day(store, alerts, day(1), {"team:X": 0.1})}
    assert results["email"]["status"] == "failed"
    assert "refused the recipients" in results["email"]["error"]
    assert results["slack"]["error"] == (
        "the environment variable HC_SLACK (the webhook URL) is not set"
    )
    assert results["teams"]["status"] == "sent"


def test_silenced_alerts_change_state_but_send_nothing(store, channels):
    receiver, smtp = channels
    alerts = alerts_config(config_text(smtp.port))
    evaluate.silence(store, alerts, "adoption-basse", "team:Logistique", day(2))
    results = evaluate_day(store, alerts, day(1), {"team:Logistique": 0.5, "team:ADV": 0.5})
    assert {r["alerts"] for r in results} == {1}  # ADV only
    assert "Équipe ADV" in receiver.bodies("/slack")[0]["blocks"][1]["text"]["text"]
    assert evaluate_day(store, alerts, day(2), {"team:Logistique": 0.7, "team:ADV": 0.5}) == []
    with store.session() as session:
        moves = session.execute(
            select(AlertHistory.from_state, AlertHistory.to_state, AlertHistory.as_of)
            .where(AlertHistory.scope == "team:Logistique")
            .order_by(AlertHistory.id)
        ).all()
    # Silenced, it fired and resolved all the same; the channels heard nothing about it.
    assert [tuple(m) for m in moves] == [
        ("normal", "firing", day(1)),
        ("firing", "resolved", day(2)),
    ]
    # Day 3: the silence is over and it fires again: now it is announced.
    evaluate_day(store, alerts, day(3), {"team:Logistique": 0.4, "team:ADV": 0.5})
    last = receiver.bodies("/slack")[-1]
    assert last["text"].endswith(": 1 déclenchée(s)")
    assert "Équipe Logistique : 40" in last["blocks"][1]["text"]["text"]


def test_acknowledged_alerts_get_no_reminders_but_their_resolution(store, channels):
    receiver, smtp = channels
    alerts = alerts_config(config_text(smtp.port, repeat="1d"))
    evaluate_day(store, alerts, day(1), {"team:Logistique": 0.5})
    evaluate_day(store, alerts, day(2), {"team:Logistique": 0.5})  # a reminder, repeat 1d
    evaluate.acknowledge(store, alerts, "adoption-basse", "team:Logistique", "Camille", "relance")
    assert evaluate_day(store, alerts, day(3), {"team:Logistique": 0.5}) == []
    assert evaluate_day(store, alerts, day(4), {"team:Logistique": 0.5}) == []
    results = evaluate_day(store, alerts, day(5), {"team:Logistique": 0.8})
    assert len(results) == 3
    titles = [b["text"].split(" : ")[1] for b in receiver.bodies("/slack")]
    assert titles == ["1 déclenchée(s)", "1 toujours active(s)", "1 résolue(s)"]


def test_english_messages_and_a_rule_limited_to_one_channel(store, channels):
    receiver, smtp = channels
    extra = """
  - {name: errors, kind: threshold, kpi: error_rate, scope: all, comparison: ">", value: 0.05,
     severity: warning, channels: [email], description: "Check the app-errors source."}
"""
    alerts = alerts_config(config_text(smtp.port) + extra)
    evaluate_day(store, alerts, day(1), {"all": 0.08}, locale="en", rule_name="errors")
    assert receiver.posts == []
    [mail] = smtp.mails()
    assert mail["Subject"] == "Hypercare — alerts on 2026-06-01: 1 firing"
    assert mail.get_content().splitlines()[2] == (
        "- 🔴 Firing (warning) — Error rate · Whole company: 8.0% — threshold > 5.0% "
        "[since 2026-06-01, rule errors] Check the app-errors source."
    )
