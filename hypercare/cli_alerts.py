"""``hypercare alerts``: evaluate the alert rules, record state changes, send notifications.

``hypercare alerts [--config F] [--as-of D] [--format table|json] [--no-notify]`` is the run (the
contract's command; safe from cron). ``alerts ack``, ``alerts silence`` and ``alerts history`` act
on or read the recorded states. Exit status: 0 (a notification channel that fails is reported on
stderr and retried by the next run, the exit status stays 0); 1 the store cannot be opened; 2 a
bad config or bad usage (an unknown rule, nothing to acknowledge).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import click

from hypercare.cli_common import EXIT_CONFIG, EXIT_SOURCE, exits_on
from hypercare.config import CONFIG_ENV, ConfigError, load_config
from hypercare.formatting import format_date, format_kpi
from metrics.store import StoreError, open_store

_friendly = exits_on(
    (ConfigError, EXIT_CONFIG),
    (StoreError, EXIT_SOURCE),
    ("metrics.alerts.evaluate:AlertError", EXIT_CONFIG, "alerts: "),
)


def _config_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        default=None,
        help=f"Config file (default: ${CONFIG_ENV}, then ./hypercare.yaml).",
    )(func)


def _format_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
    )(func)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths).rstrip())
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines)


def _load(config_path: str | None):
    from metrics.alerts.rules import AlertsConfig

    config = load_config(config_path)
    return config, config.sections.get("alerts") or AlertsConfig()


def _value(value: float | None, kpi: str, locale: str) -> str:
    from metrics.kpis import KPIS

    return format_kpi(value, KPIS[kpi].unit if kpi in KPIS else "score", locale)


def _condition(alert: dict[str, Any], locale: str) -> str:
    from metrics.alerts import notify

    change = notify.Change(
        rule=alert["rule"],
        scope=alert["scope"],
        kind=notify.FIRING_NEW,
        rule_kind=alert["kind"],
        kpi=alert["kpi"],
        severity=alert["severity"],
        value=alert["value"],
        threshold=alert["threshold"],
        comparison=alert["comparison"],
        detail=alert["detail"],
    )
    return notify.condition_text(change, locale)


@click.group(invoke_without_command=True)
@_config_option
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day evaluated (default: yesterday in the company's timezone, the last full day).",
)
@_format_option
@click.option(
    "--no-notify",
    is_flag=True,
    help="Evaluate and record, send nothing (the next run that notifies sends what is due).",
)
@click.pass_context
@_friendly
def alerts(
    ctx: click.Context,
    config_path: str | None,
    as_of: dt.datetime | None,
    fmt: str,
    no_notify: bool,
) -> None:
    """Evaluate the alert rules, record state changes and send notifications."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"config_path": config_path}
        return
    from metrics.alerts.evaluate import run_alerts

    config, section = _load(config_path)
    day = as_of.date() if as_of else dt.datetime.now(config.tz).date() - dt.timedelta(days=1)
    if not section.rules:
        if fmt == "json":
            empty = {"as_of": day.isoformat(), "alerts": [], "transitions": []}
            click.echo(json.dumps(empty | {"notifications": [], "skipped": [], "stale": []}))
        else:
            click.echo(f"No alert rules in {config.path} (add an alerts: section, docs/alerts.md).")
        return
    store = open_store(config.store_url)
    try:
        result = run_alerts(store, config, day, send=not no_notify)
    finally:
        store.dispose()
    for note in result.notifications:
        if note["status"] == "failed":
            click.echo(
                f"hypercare: alerts: {note['channel']}: {note['error']} — {note['alerts']} "
                "alert(s) not delivered; the next run sends them again",
                err=True,
            )
    if fmt == "json":
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return
    _print_run(result, config.locale)


def _print_run(result: Any, locale: str) -> None:
    firing = sum(1 for a in result.alerts if a["state"] == "firing")
    pending = len(result.alerts) - firing
    click.echo(
        f"alerts as of {format_date(result.as_of, locale)}: {firing} firing, {pending} pending"
    )
    if result.alerts:
        rows = [
            [
                a["state"].upper(),
                a["severity"],
                a["rule"],
                a["scope"],
                a["kpi"],
                _value(a["value"], a["kpi"], locale),
                _condition(a, locale),
                format_date(dt.date.fromisoformat(a["since"]), locale) if a["since"] else "—",
                _flags(a, locale),
            ]
            for a in result.alerts
        ]
        headers = ["state", "severity", "rule", "scope", "kpi", "value", "condition", "since", ""]
        click.echo(_table(headers, rows))
    if result.transitions:
        click.echo("transitions this run:")
        for t in result.transitions:
            value = _value(t["value"], t["kpi"], locale)
            click.echo(f"  {t['rule']} · {t['scope']}: {t['from']} → {t['to']} ({value})")
    for note in result.notifications:
        if note["status"] == "sent":
            click.echo(f"notified {note['channel']}: {note['alerts']} alert(s)")
    if result.skipped:
        click.echo(f"not judged: {len(result.skipped)} (see --format json, key skipped)")
    if result.stale:
        click.echo(
            f"{len(result.stale)} alert(s) already evaluated for a later day: left unchanged"
        )


def _flags(alert: dict[str, Any], locale: str) -> str:
    flags = []
    if alert["acknowledged_by"]:
        flags.append(f"ack: {alert['acknowledged_by']}")
    if alert["silenced_until"]:
        until = format_date(dt.date.fromisoformat(alert["silenced_until"]), locale)
        flags.append(f"silenced until {until}")
    return ", ".join(flags)


def _config_of(ctx: click.Context, config_path: str | None) -> str | None:
    return config_path or (ctx.obj or {}).get("config_path")


@alerts.command("ack")
@click.argument("rule")
@click.argument("scope")
@click.option("--by", "by", required=True, help="Who takes care of the alert.")
@click.option("--comment", default=None, help="What is being done about it.")
@_config_option
@_format_option
@click.pass_context
@_friendly
def ack(
    ctx: click.Context,
    rule: str,
    scope: str,
    by: str,
    comment: str | None,
    config_path: str | None,
    fmt: str,
) -> None:
    """Acknowledge a firing or pending alert: no reminders until it resolves."""
    from metrics.alerts.evaluate import acknowledge

    config, section = _load(_config_of(ctx, config_path))
    store = open_store(config.store_url)
    try:
        alert = acknowledge(store, section, rule, scope, by, comment)
    finally:
        store.dispose()
    if fmt == "json":
        click.echo(json.dumps(alert, ensure_ascii=False, indent=2))
    else:
        click.echo(
            f"{rule} · {scope} ({alert['state']}) acknowledged by {alert['acknowledged_by']}"
        )


@alerts.command("silence")
@click.argument("rule")
@click.argument("scope")
@click.option(
    "--until",
    "until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    required=True,
    help="The last day without notifications (a past day lifts the silence).",
)
@_config_option
@_format_option
@click.pass_context
@_friendly
def silence(
    ctx: click.Context,
    rule: str,
    scope: str,
    until: dt.datetime,
    config_path: str | None,
    fmt: str,
) -> None:
    """Silence an alert through a day: its state still changes, nothing is sent."""
    from metrics.alerts.evaluate import silence as run_silence

    config, section = _load(_config_of(ctx, config_path))
    store = open_store(config.store_url)
    try:
        alert = run_silence(store, section, rule, scope, until.date())
    finally:
        store.dispose()
    if fmt == "json":
        click.echo(json.dumps(alert, ensure_ascii=False, indent=2))
    else:
        day = format_date(until.date(), config.locale)
        click.echo(f"{rule} · {scope} ({alert['state']}) silenced through {day}")


@alerts.command("history")
@click.option("--rule", default=None, help="Only this rule.")
@click.option("--scope", default=None, help="Only this scope.")
@click.option("--limit", type=int, default=100, show_default=True, help="The latest N transitions.")
@_config_option
@_format_option
@click.pass_context
@_friendly
def history(
    ctx: click.Context,
    rule: str | None,
    scope: str | None,
    limit: int,
    config_path: str | None,
    fmt: str,
) -> None:
    """The recorded transitions, latest first."""
    from metrics.alerts.evaluate import transitions

    config, section = _load(_config_of(ctx, config_path))
    store = open_store(config.store_url)
    try:
        rows = transitions(store, rule=rule, scope=scope, limit=limit)
    finally:
        store.dispose()
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No transition recorded.")
        return
    locale = config.locale
    table = [
        [
            format_date(dt.date.fromisoformat(r["as_of"]), locale) if r["as_of"] else "—",
            r["rule"],
            r["scope"],
            f"{r['from']} → {r['to']}",
            _value(r["value"], known.kpi if (known := section.rule(r["rule"])) else "", locale),
            r["at"],
        ]
        for r in rows
    ]
    click.echo(_table(["as of", "rule", "scope", "transition", "value", "recorded at"], table))
