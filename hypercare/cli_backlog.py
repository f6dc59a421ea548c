"""``hypercare backlog`` and ``hypercare surveys`` (docs/cli.md).

``hypercare backlog [--config F] [--format table|json|csv]`` brings the feedback items and
themes up to date with what was collected, then prints the ranked backlog (the contract's
Backlog JSON with ``--format json``; CSV cells safe to open in a spreadsheet).
``hypercare surveys [--config F] [--format table|json] [--by round|period] [--source NAME]…``
prints the survey scores per scope with their response counts and margins of error.
Both run with a manager's rights. Exit status: 0; 1 the store cannot be opened; 2 a bad config.
"""

from __future__ import annotations

import json
from typing import Any

import click

from hypercare.cli_common import EXIT_CONFIG, EXIT_SOURCE, _config_option, exits_on
from hypercare.config import Config, ConfigError, load_config
from hypercare.formatting import format_number
from metrics.store import StoreError, open_store

_friendly = exits_on((ConfigError, EXIT_CONFIG), (StoreError, EXIT_SOURCE))


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines)


def load_backlog(config: Config):
    """Refresh the items and themes of ``config``'s store, then build the backlog (manager)."""
    from surveys.backlog import build_backlog, refresh_backlog
    from surveys.settings import backlog_settings

    settings = backlog_settings(config)
    store = open_store(config.store_url)
    try:
        with store.session() as session:
            refresh_backlog(session, settings, config.tz)
        with store.session() as session:
            return build_backlog(session, settings, min_group_size=config.privacy.min_group_size)
    finally:
        store.dispose()


@click.command()
@_config_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@_friendly
def backlog(config_path: str | None, fmt: str) -> None:
    """The prioritized feedback backlog: the urgent lane first, then by score."""
    from surveys.export import table_rows, to_csv, to_json

    config = load_config(config_path)
    result = load_backlog(config)
    if fmt == "json":
        click.echo(to_json(result))
    elif fmt == "csv":
        click.echo(to_csv(result), nl=False)
    elif not result.entries:
        click.echo("The backlog is empty: collect survey comments, tickets or meeting notes.")
    else:
        headers, rows = table_rows(result)
        click.echo(f"scoring: {result.scoring} (★ quick win)")
        click.echo(_table(headers, rows))


def _cell(score: Any, locale: str) -> str:
    if score is None:
        return ""
    if score.value is None:
        return "—"
    text = format_number(score.value, locale, 1)
    if score.moe is not None:
        text += f" ±{format_number(score.moe, locale, 1)}"
    return text + ("" if score.significant else " (n.s.)")


@click.group(invoke_without_command=True)
@_config_option
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--by",
    "by",
    type=click.Choice(["round", "period"]),
    default=None,
    help="Also show each survey round, or each period (month or week).",
)
@click.option("--source", "sources", multiple=True, help="Only this survey source (repeatable).")
@click.pass_context
@_friendly
def surveys(
    ctx: click.Context, config_path: str | None, fmt: str, by: str | None, sources: tuple[str, ...]
) -> None:
    """Survey scores per scope: NPS, CSAT, CES, SUS, UMUX-Lite with counts and margins.

    `hypercare surveys links --round R` prints the links of a pulse-survey round."""
    if ctx.invoked_subcommand is not None:
        return
    from surveys.results import SCORED, survey_scores
    from surveys.settings import survey_settings

    config = load_config(config_path)
    settings = survey_settings(config)
    store = open_store(config.store_url)
    try:
        with store.session() as session:
            result = survey_scores(
                session,
                min_group_size=config.privacy.min_group_size,
                settings=settings,
                sources=list(sources),
            )
    finally:
        store.dispose()
    if fmt == "json":
        payload = {
            "min_responses": settings.min_responses,
            "confidence": settings.confidence,
            "ces": {"scale": settings.ces.scale, "mode": settings.ces.mode},
            "rows": [r.as_dict() for r in result.rows],
            "suppressed": result.suppressed,
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    shown = [
        r
        for r in result.rows
        if (r.round is None and r.period is None)
        or (by == "round" and r.round is not None)
        or (by == "period" and r.period is not None)
    ]
    used = [i for i in SCORED if any(i in r.scores for r in shown)]
    rows = [
        [
            r.scope,
            r.round or r.period or "",
            str(r.responses),
            *(
                ("(withheld)" if r.withheld else _cell(r.scores.get(i), config.locale))
                for i in used
            ),
        ]
        for r in shown
    ]
    click.echo(_table(["scope", by or "", "responses", *used], rows))
    click.echo(
        f"± margin of error at {settings.confidence:.0%}; n.s.: fewer than "
        f"{settings.min_responses} answers"
    )
    if result.suppressed:
        click.echo(
            f"suppressed (fewer than {config.privacy.min_group_size} people): "
            + ", ".join(result.suppressed)
        )


def _attach_pulse_commands() -> None:
    from hypercare.cli_pulse import links

    surveys.add_command(links)


_attach_pulse_commands()
