"""Notification messages and their delivery: Slack and Microsoft Teams webhooks, e-mail (SMTP).

One message per channel and run lists every change of the run (alerts that started firing, are
still firing past their repeat interval, or resolved). Texts are in the config's locale, KPI
labels come from the registry, values are formatted by ``hypercare.formatting``. A sender returns
an error message instead of raising, so that one refusing channel never stops the others.
"""

from __future__ import annotations

import datetime as dt
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

from hypercare.formatting import format_date, format_kpi, format_number, format_percent
from metrics.alerts.rules import RECONCILE_KPI, Channel, EmailChannel, WebhookChannel
from metrics.kpis import KPIS

FIRING_NEW = "firing"
REMINDER = "reminder"
RESOLVED = "resolved"
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
SLACK_MAX_CHANGES = 45  # Slack allows 50 blocks per message
USER_AGENT = "hypercare-alerts"

TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        FIRING_NEW: "Déclenchée",
        REMINDER: "Toujours active",
        RESOLVED: "Résolue",
        "critical": "critique",
        "warning": "avertissement",
        "info": "information",
        "title": "Hypercare — alertes au {day}",
        "count_firing": "{n} déclenchée(s)",
        "count_reminder": "{n} toujours active(s)",
        "count_resolved": "{n} résolue(s)",
        "all": "Toute l'entreprise",
        "team": "Équipe {name}",
        "wave": "Vague {name}",
        "threshold": "seuil {cmp} {value}",
        "recovery": "retour sous contrôle à {value}",
        "change": "{change} en {days} j ({now} contre {then})",
        "anomaly": "valeur inhabituelle (attendu ≈ {expected}, écart {score} σ)",
        "forecast_late": (
            "objectif {target} atteint vers le {reached} à ce rythme, {days} jours après la "
            "date prévue ({planned})"
        ),
        "forecast_never": "objectif {target} non atteint à ce rythme (date prévue {planned})",
        "forecast_ok": "objectif {target} atteint vers le {reached} à ce rythme (prévu {planned})",
        "forecast_reached": "objectif {target} atteint",
        "anomaly_over": "retour dans la plage attendue",
        "since": "depuis le {day}",
        "rule": "règle",
        "open": "Ouvrir le tableau de bord",
        "more": "… et {n} autre(s)",
        "points": "{value} pts",
        "ack": "prise en charge par {by}",
        "entity": "Entité {name}",
        "reconcile": "Audit de cohérence",
        "reconcile_drift": (
            "{diffs} écart(s) : {missing} manquant(s) dans le nouveau système, {extra} en trop, "
            "{changed} modifié(s), {dups} clé(s) en double ; audit initial : {initial} écart(s)"
        ),
        "reconcile_error": "l'audit n'a pas pu s'exécuter : {message}",
        "reconcile_ok": "de nouveau cohérent ({diffs} écart(s))",
    },
    "en": {
        FIRING_NEW: "Firing",
        REMINDER: "Still firing",
        RESOLVED: "Resolved",
        "critical": "critical",
        "warning": "warning",
        "info": "info",
        "title": "Hypercare — alerts on {day}",
        "count_firing": "{n} firing",
        "count_reminder": "{n} still firing",
        "count_resolved": "{n} resolved",
        "all": "Whole company",
        "team": "Team {name}",
        "wave": "Wave {name}",
        "threshold": "threshold {cmp} {value}",
        "recovery": "recovers at {value}",
        "change": "{change} in {days} days ({now} vs {then})",
        "anomaly": "unusual value (expected ≈ {expected}, {score} σ away)",
        "forecast_late": (
            "target {target} reached around {reached} at this pace, {days} days after the "
            "planned date ({planned})"
        ),
        "forecast_never": "target {target} not reached at this pace (planned {planned})",
        "forecast_ok": "target {target} reached around {reached} at this pace (planned {planned})",
        "forecast_reached": "target {target} reached",
        "anomaly_over": "back in the expected range",
        "since": "since {day}",
        "rule": "rule",
        "open": "Open the dashboard",
        "more": "… and {n} more",
        "points": "{value} pts",
        "ack": "acknowledged by {by}",
        "entity": "Entity {name}",
        "reconcile": "Consistency audit",
        "reconcile_drift": (
            "{diffs} difference(s): {missing} missing in the new system, {extra} extra, "
            "{changed} changed, {dups} duplicated key(s); initial audit: {initial} difference(s)"
        ),
        "reconcile_error": "the audit could not run: {message}",
        "reconcile_ok": "consistent again ({diffs} difference(s))",
    },
}
ICONS = {FIRING_NEW: "🔴", REMINDER: "🟠", RESOLVED: "🟢"}


@dataclass(frozen=True)
class Change:
    """One line of a message: an alert of a rule on a scope that fired, still fires or resolved."""

    rule: str
    scope: str
    kind: str  # firing | reminder | resolved
    rule_kind: str  # threshold | change | anomaly | forecast_slip
    kpi: str
    severity: str
    value: float | None
    threshold: float | None = None
    comparison: str | None = None
    since: dt.date | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    labels: tuple[tuple[str, str], ...] = ()
    description: str | None = None
    acknowledged_by: str | None = None

    @property
    def order(self) -> tuple:
        return (
            {FIRING_NEW: 0, REMINDER: 1, RESOLVED: 2}[self.kind],
            SEVERITY_ORDER.get(self.severity, 9),
            self.rule,
            self.scope,
        )


@dataclass(frozen=True)
class Message:
    """What every channel renders: a title, the changes (ordered), a link."""

    title: str
    changes: tuple[Change, ...]
    locale: str
    dashboard_url: str | None = None

    def lines(self) -> list[str]:
        return [describe(c, self.locale) for c in self.changes]


def scope_label(scope: str, locale: str) -> str:
    """``team:ADV`` → ``Équipe ADV`` / ``Team ADV``; ``all`` → the whole company."""
    t = TEXTS[locale]
    if scope == "all":
        return t["all"]
    kind, _, name = scope.partition(":")
    return t[kind].format(name=name) if kind in ("team", "wave", "entity") else scope


def _kpi_value(value: float | None, kpi: str, locale: str) -> str:
    unit = KPIS[kpi].unit if kpi in KPIS else "count" if kpi == RECONCILE_KPI else "score"
    return format_kpi(value, unit, locale)


def _signed(text: str, value: float) -> str:
    return text if value < 0 or text.startswith(("-", "−")) else f"+{text}"


def _change_value(value: float | None, kpi: str, measure: str, locale: str) -> str:
    if value is None:
        return "—"
    if measure == "relative":
        text = format_percent(value, locale, 1 if abs(value) < 0.1 else 0)
    elif kpi in KPIS and KPIS[kpi].unit == "ratio":
        text = TEXTS[locale]["points"].format(value=format_number(value * 100, locale, 1))
    else:
        text = _kpi_value(value, kpi, locale)
    return _signed(text.replace("-", "−"), value)


def condition_text(change: Change, locale: str) -> str:
    """What the rule found, e.g. ``seuil < 70 %`` or ``−12 % en 7 j (62 % contre 70 %)``."""
    t = TEXTS[locale]
    d = change.detail
    if change.rule_kind == "reconcile":
        return _audit_text(change, locale)
    if change.rule_kind == "threshold":
        text = t["threshold"].format(
            cmp=change.comparison, value=_kpi_value(change.threshold, change.kpi, locale)
        )
        if d.get("recovery") is not None and change.kind != RESOLVED:
            text += f", {t['recovery'].format(value=_kpi_value(d['recovery'], change.kpi, locale))}"
        return text
    if change.rule_kind == "change":
        measure = d.get("measure", "relative")
        text = t["change"].format(
            change=_change_value(d.get("change"), change.kpi, measure, locale),
            days=d.get("window", "?"),
            now=_kpi_value(d.get("current"), change.kpi, locale),
            then=_kpi_value(d.get("previous"), change.kpi, locale),
        )
        threshold = _change_value(change.threshold, change.kpi, measure, locale)
        return f"{text}, {t['threshold'].format(cmp=change.comparison, value=threshold)}"
    if change.rule_kind == "anomaly":
        if d.get("expected") is None:
            return t["anomaly_over"]
        return t["anomaly"].format(
            expected=_kpi_value(d.get("expected"), change.kpi, locale),
            score=_score(d.get("score"), locale),
        )
    planned = _date(d.get("planned"), locale)
    target = _kpi_value(change.threshold, change.kpi, locale)
    if d.get("reached"):
        return t["forecast_reached"].format(target=target)
    if d.get("reached_on") is None:
        return t["forecast_never"].format(target=target, planned=planned)
    days = d.get("days_late") or 0
    key = "forecast_late" if days > 0 else "forecast_ok"
    return t[key].format(
        target=target, reached=_date(d.get("reached_on"), locale), days=days, planned=planned
    )


def _audit_text(change: Change, locale: str) -> str:
    t, d = TEXTS[locale], change.detail
    if d.get("status") == "error":
        return t["reconcile_error"].format(message=d.get("message") or "?")
    count = lambda key: format_number(d.get(key) or 0, locale)  # noqa: E731
    if change.kind == RESOLVED:
        return t["reconcile_ok"].format(diffs=format_number(change.value or 0, locale))
    return t["reconcile_drift"].format(
        diffs=format_number(change.value or 0, locale),
        missing=count("missing_in_new"),
        extra=count("extra_in_new"),
        changed=count("changed"),
        dups=count("duplicates"),
        initial=count("initial_differences"),
    )


def _score(score: float | None, locale: str) -> str:
    """The anomaly score in robust standard deviations (a flat history gives huge ones)."""
    if score is not None and score >= 100:
        return f"> {format_number(100, locale)}"
    return format_number(score, locale, 1)


def _date(value: Any, locale: str) -> str:
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return format_date(value, locale)


def describe(change: Change, locale: str) -> str:
    """One line: state, severity, KPI and scope, value, condition, since, rule."""
    t = TEXTS[locale]
    label = KPIS[change.kpi].label(locale) if change.kpi in KPIS else change.kpi
    if change.kpi == RECONCILE_KPI:
        label = t["reconcile"]
    head = f"{ICONS[change.kind]} {t[change.kind]} ({t.get(change.severity, change.severity)})"
    body = (
        f"{label} · {scope_label(change.scope, locale)}"
        f"{' ' if locale == 'fr' else ''}: {_kpi_value(change.value, change.kpi, locale)}"
        f" — {condition_text(change, locale)}"
    )
    tail = []
    if change.since is not None and change.kind != RESOLVED:
        tail.append(t["since"].format(day=format_date(change.since, locale)))
    if change.acknowledged_by and change.kind != RESOLVED:
        tail.append(t["ack"].format(by=change.acknowledged_by))
    tail.append(f"{t['rule']} {change.rule}")
    tail.extend(f"{k}={v}" for k, v in change.labels)
    text = f"{head} — {body} [{', '.join(tail)}]"
    if change.description and change.kind != RESOLVED:
        text += f" {change.description}"
    return text


def build_message(
    changes: list[Change], locale: str, as_of: dt.date, dashboard_url: str | None = None
) -> Message:
    t = TEXTS[locale]
    ordered = tuple(sorted(changes, key=lambda c: c.order))
    counts = []
    for kind in (FIRING_NEW, REMINDER, RESOLVED):
        n = sum(1 for c in ordered if c.kind == kind)
        if n:
            counts.append(t[f"count_{kind}"].format(n=n))
    title = t["title"].format(day=format_date(as_of, locale))
    separator = " : " if locale == "fr" else ": "
    return Message(title + separator + ", ".join(counts), ordered, locale, dashboard_url)


# ------------------------------------------------------------------------------------ payloads


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(message: Message) -> dict[str, Any]:
    """An incoming-webhook message: a header, one section per change, the link in a context."""
    t = TEXTS[message.locale]
    lines = message.lines()
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.title[:150]}}
    ]
    for line in lines[:SLACK_MAX_CHANGES]:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(line)}})
    if len(lines) > SLACK_MAX_CHANGES:
        more = t["more"].format(n=len(lines) - SLACK_MAX_CHANGES)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": more}})
    if message.dashboard_url:
        link = f"<{message.dashboard_url}|{t['open']}>"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": link}]})
    return {"text": message.title, "blocks": blocks}


TEAMS_COLORS = {FIRING_NEW: "Attention", REMINDER: "Warning", RESOLVED: "Good"}


def teams_payload(message: Message) -> dict[str, Any]:
    """A message with one Adaptive Card, as Teams incoming webhooks and Workflows accept."""
    t = TEXTS[message.locale]
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": message.title,
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        }
    ]
    for change, line in zip(message.changes, message.lines(), strict=True):
        body.append(
            {"type": "TextBlock", "text": line, "wrap": True, "color": TEAMS_COLORS[change.kind]}
        )
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if message.dashboard_url:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": t["open"], "url": message.dashboard_url}
        ]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def email_message(message: Message, channel: EmailChannel) -> EmailMessage:
    """A plain-text e-mail: the title as subject, one line per change, the link."""
    t = TEXTS[message.locale]
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = channel.sender
    mail["To"] = ", ".join(channel.to)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=channel.sender.rpartition("@")[2] or None)
    body = [message.title, ""] + [f"- {line}" for line in message.lines()]
    if message.dashboard_url:
        body += [
            "",
            f"{t['open']} : {message.dashboard_url}"
            if message.locale == "fr"
            else f"{t['open']}: {message.dashboard_url}",
        ]
    mail.set_content("\n".join(body) + "\n")
    return mail


# ------------------------------------------------------------------------------------- senders


def post_json(url: str, payload: dict[str, Any], timeout: float) -> str | None:
    """POST ``payload`` as JSON; None when the server accepted it (2xx), else the error."""
    if urlsplit(url).scheme not in ("http", "https"):
        return "the webhook URL is not an http:// or https:// address"
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return None
    except urllib.error.HTTPError as exc:
        detail = exc.read(200).decode("utf-8", "replace").strip()
        return f"the server answered HTTP {exc.code}" + (f" ({detail})" if detail else "")
    except urllib.error.URLError as exc:
        reason = getattr(exc.reason, "strerror", None) or exc.reason
        return f"cannot reach the server ({reason})"
    except (TimeoutError, OSError) as exc:
        return f"cannot reach the server ({exc.__class__.__name__}: {exc})"


def send_email(channel: EmailChannel, mail: EmailMessage, password: str | None) -> str | None:
    """Send ``mail`` through the channel's SMTP server; None on success, else the error."""
    where = f"{channel.host}:{channel.port}"
    try:
        if channel.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                channel.host,
                channel.port,
                timeout=channel.timeout,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout)
        with smtp:
            if channel.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if channel.username:
                smtp.login(channel.username, password or "")
            smtp.send_message(mail)
        return None
    except smtplib.SMTPResponseException as exc:
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else exc.smtp_error
        )
        return f"the SMTP server {where} answered {exc.smtp_code} {text}".strip()
    except smtplib.SMTPRecipientsRefused as exc:
        return f"the SMTP server {where} refused the recipients {', '.join(exc.recipients)}"
    except (smtplib.SMTPException, ssl.SSLError) as exc:
        return f"cannot send through {where} ({exc})"
    except OSError as exc:
        return f"cannot reach the SMTP server {where} ({exc.strerror or exc})"


def send(channel: Channel, message: Message, secret: Callable[[str], str | None]) -> str | None:
    """Deliver ``message`` on ``channel``; ``secret(name)`` reads an environment secret.

    Returns None on success, else a one-line reason (never the secret itself).
    """
    if isinstance(channel, WebhookChannel):
        url = secret(channel.url_env)
        if not url:
            return f"the environment variable {channel.url_env} (the webhook URL) is not set"
        payload = slack_payload(message) if channel.name == "slack" else teams_payload(message)
        return post_json(url, payload, channel.timeout)
    password = None
    if channel.username:
        if not channel.password_env:
            return "username is set but password_env is not"
        password = secret(channel.password_env)
        if not password:
            return f"the environment variable {channel.password_env} (the SMTP password) is not set"
    return send_email(channel, email_message(message, channel), password)
