"""The ``hypercare`` command line (see docs/cli.md and CONTRACT.md).

Exit status: 0 success; 1 a source or the store could not be read; 2 a bad config or bad usage.
User mistakes print one or a few lines naming the file and key, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import InterfaceError, OperationalError

from hypercare import __version__
from hypercare.cli_common import (
    EXIT_CONFIG,
    EXIT_SOURCE,
    _config_option,
    _fail,
    _open,
    friendly_errors,
)
from hypercare.config import CONFIG_ENV, load_config
from hypercare.formatting import format_kpi, format_number
from metrics.store import Store

# When PostgreSQL goes away mid-batch, psycopg logs "error ignored terminating <Pipeline>" to
# stderr before the command's own one-paragraph message; the message says it all.
logging.getLogger("psycopg").addHandler(logging.NullHandler())


def store_failed_message(store: Store, exc: Exception) -> str:
    """One paragraph for a store lost in the middle of a collect (PostgreSQL restarted or
    unreachable, a SQLite file locked past its timeout): which store, without its password,
    why, what was kept and what to do."""
    shown = store.engine.url._replace(password=None).render_as_string(hide_password=False)
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    cause = reason[0].strip() if reason else type(exc).__name__
    check = (
        "that the disk holding it is not full and that no other process keeps it locked"
        if store.dialect == "sqlite"
        else "that the database server is up and reachable"
    )
    return (
        f"the store {shown} failed mid-run ({cause}). Nothing of the file or batch being read "
        "was kept; the files recorded before it are kept and will not be read again. Check "
        f"{check}, then run `hypercare collect` again: it reads only what is missing."
    )


class _Hypercare(click.Group):
    """The command group: a store that fails in the middle of any command (PostgreSQL restarted
    or unreachable, a SQLite file locked or damaged) ends it with one paragraph and exit status 1,
    never a traceback. ``collect`` says more (what was kept) with ``store_failed_message``."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (OperationalError, InterfaceError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            cause = reason[0].strip() if reason else type(exc).__name__
            _fail(
                f"the store failed during `hypercare {ctx.invoked_subcommand or ''}` ({cause}). "
                "The transaction in progress was rolled back. Check that "
                "the database server is up and reachable (PostgreSQL) or that the store file is "
                "not locked, damaged or on a full disk (SQLite; `hypercare restore` puts a backup "
                "back), then run the command again.",
                EXIT_SOURCE,
            )


@click.group(cls=_Hypercare, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hypercare")
def main() -> None:
    """Hypercare: adoption, KPIs, alerts and feedback for the weeks after go-live."""


@main.command()
@_config_option
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option(
    "--retry-quarantine",
    is_flag=True,
    help="Read the quarantined rows again with the current config (after fixing it).",
)
@click.option(
    "--every",
    "every",
    default=None,
    metavar="INTERVAL",
    help="Run in a loop, each source every INTERVAL (30s, 15m, 1h; a source's own `every:` "
    "wins) until SIGTERM or Ctrl-C.",
)
@friendly_errors
def collect(
    config_path: str | None,
    sources: tuple[str, ...],
    retry_quarantine: bool,
    every: str | None,
) -> None:
    """Run the configured collectors and print what each source read."""
    from collectors.retry import retry_quarantine as run_retry
    from collectors.run import collect as run_collect
    from collectors.schedule import parse_interval

    interval = None
    if every is not None:
        try:
            interval = parse_interval(every)
        except ValueError as exc:
            _fail(f"--every: expected {exc}, found {every!r}", EXIT_CONFIG)
        if retry_quarantine:
            _fail("--every and --retry-quarantine cannot be used together", EXIT_CONFIG)

    config = load_config(config_path)
    unknown = [s for s in sources if s not in {src.name for src in config.sources}]
    if unknown:
        names = ", ".join(src.name for src in config.sources) or "none"
        _fail(
            f"{config.path}: --source {unknown[0]!r} is not a source of this config "
            f"(sources: {names})",
            EXIT_CONFIG,
        )
    config.secret_key()  # refuse early, before opening anything
    store = _open(config)
    if interval is not None:
        from hypercare.cli_schedule import loop

        try:
            loop(config, store, interval, list(sources))
        except (OperationalError, InterfaceError) as exc:
            _fail(store_failed_message(store, exc), EXIT_SOURCE)
        finally:
            store.dispose()
        return
    try:
        if retry_quarantine:
            outcomes = run_retry(config, store, list(sources))
        else:
            outcomes = run_collect(
                config,
                store,
                sources,
                on_file=_print_file(config.locale),
                on_progress=_print_progress(config.locale),
            )
    except (OperationalError, InterfaceError) as exc:
        _fail(store_failed_message(store, exc), EXIT_SOURCE)
    finally:
        store.dispose()
    _print_summary(outcomes, config.locale)
    erased = sum(getattr(f, "erased", 0) for o in outcomes for f in o.files)
    if erased:  # see hypercare forget (docs/security.md)
        click.echo(
            f"hypercare: note: {format_number(erased, config.locale)} rows of erased people "
            "skipped (counted in duplicates)",
            err=True,
        )
    failed = [o for o in outcomes if o.failed]
    for outcome in failed:
        if outcome.error:
            click.echo(f"hypercare: {config.path}: {outcome.error}", err=True)
        for f in outcome.files:
            if f.error:
                click.echo(f"hypercare: {f.error}", err=True)
    for outcome in outcomes:  # notes on files that were read (rows that changed under retry)
        for f in outcome.files:
            if f.error and f.status == "ok":
                click.echo(f"hypercare: note: {f.error}", err=True)
    if failed:
        sys.exit(EXIT_SOURCE)


def _print_progress(locale: str) -> Callable[[Any, str, int], None]:
    """On a terminal, a line that counts the rows of a long file as they are read."""

    def show(source: Any, shown: str, rows: int) -> None:
        if sys.stderr.isatty():
            count = format_number(rows, locale)
            click.echo(f"\r  {source.name}: {shown} — {count} rows…", err=True, nl=False)

    return show


def _print_file(locale: str) -> Callable[[Any, Any], None]:
    def show(source: Any, outcome: Any) -> None:
        if not sys.stderr.isatty():
            return
        click.echo("\r\033[K", err=True, nl=False)  # clear the progress line
        counts = (
            f"{format_number(outcome.read, locale)} read"
            if outcome.status == "ok"
            else outcome.status
        )
        click.echo(f"  {source.name}: {outcome.path} — {counts}", err=True)

    return show


def _print_summary(outcomes: list[Any], locale: str) -> None:
    headers = [
        "source",
        "kind",
        "files",
        "skipped",
        "read",
        "accepted",
        "duplicates",
        "quarantined",
    ]
    rows = []
    for o in outcomes:
        rows.append(
            [
                o.name,
                o.kind,
                str(len([f for f in o.files if f.status == "ok"])),
                str(len([f for f in o.files if f.status == "skipped"])),
                *(format_number(o.total(a), locale) for a in headers[4:]),
            ]
            + (["FAILED"] if o.failed else [])
        )
    click.echo(_table(headers, rows))


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row[: len(headers)]):
            widths[i] = max(widths[i], len(cell))
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        cells = [
            c.rjust(w) if i >= 2 else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=False))
        ]
        lines.append("  ".join(cells + row[len(headers) :]).rstrip())
    return "\n".join(lines)


@main.command()
@_config_option
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day of the snapshot (default: today in the company's timezone).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@friendly_errors
def report(config_path: str | None, as_of: dt.datetime | None, fmt: str) -> None:
    """KPI snapshot per scope (all, each team, each wave, each feature)."""
    from metrics.compute import Settings
    from metrics.kpis import KPIS
    from metrics.report import build_report, today_in

    config = load_config(config_path)
    day = as_of.date() if as_of else today_in(config.tz)
    store = _open(config)
    try:
        result = build_report(
            store, day, config.privacy.min_group_size, Settings.from_config(config)
        )
    finally:
        store.dispose()
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    codes = [c for c in KPIS if any(c in v for v in result["scopes"].values())]
    rows = [
        [scope, *(format_kpi(values.get(c), KPIS[c].unit, config.locale) for c in codes)]
        for scope, values in result["scopes"].items()
    ]
    click.echo(f"as of {result['as_of']}")
    click.echo(_table(["scope", *codes], rows))
    if result["suppressed"]:
        click.echo(
            f"suppressed (fewer than {config.privacy.min_group_size} licensed users): "
            + ", ".join(result["suppressed"])
        )
    for gate in result.get("waves", []):
        reasons = "; ".join(
            _criterion_text(c, config.locale) for c in gate["criteria"] if c["status"] != "pass"
        )
        day = gate["days_since_go_live"]
        since = f"J+{day}" if day is not None and day >= 0 else "not live"
        click.echo(
            f"wave {gate['wave']} ({since}): {gate['verdict']}"
            + (f" — {reasons}" if reasons else "")
        )
    if "exit" in result:
        click.echo(f"hypercare exit: {result['exit']['verdict']}")
    outside = result.get("not_in_roster")
    if outside and outside["mau"]:
        click.echo(
            f"not in roster: {outside['mau']} identifiers active in 30 days "
            f"({format_number(outside['events_30d'], config.locale)} events), "
            f"{outside['wau']} in 7 days — counted in all, in no team or wave"
        )


@main.command()
@_config_option
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option("--limit", type=int, default=200, show_default=True, help="At most this many rows.")
@friendly_errors
def quarantine(config_path: str | None, sources: tuple[str, ...], fmt: str, limit: int) -> None:
    """List the rows the collectors refused: where they came from, why, and their raw text."""
    import csv as csv_module

    from hypercare.csv_safety import safe_cell
    from metrics.quarantine import list_quarantine

    config = load_config(config_path)
    store = _open(config)
    try:
        entries = list_quarantine(store, sources=list(sources), limit=limit)
    finally:
        store.dispose()
    if fmt == "json":
        click.echo(json.dumps(entries, ensure_ascii=False, indent=2, default=str))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv_module.DictWriter(
            buffer,
            fieldnames=["source", "path", "line", "stage", "reason", "raw", "created_at"],
            extrasaction="ignore",
        )
        writer.writeheader()
        writer.writerows({k: safe_cell(v) for k, v in e.items()} for e in entries)
        click.echo(buffer.getvalue(), nl=False)
    elif not entries:
        click.echo("The quarantine is empty.")
    else:
        for e in entries:
            click.echo(f"{e['source']} · {e['path']}:{e['line']} [{e['stage']}] {e['reason']}")
            click.echo(f"    {e['raw'][:300]}")


def _criterion_text(criterion: dict[str, Any], locale: str) -> str:
    """``Taux d'adoption 67 % < 80 %``: a go / no-go criterion as a manager reads it."""
    from metrics.kpis import KPIS

    kpi = KPIS[criterion["kpi"]]
    if criterion["status"] == "inconclusive":
        return f"{kpi.label(locale)}: {criterion['reason']}"
    negated = {">=": "<", ">": "≤", "<=": ">", "<": "≥"}[criterion["comparison"]]
    shown = criterion["comparison"].replace(">=", "≥").replace("<=", "≤")
    sign = shown if criterion["status"] == "pass" else negated
    value = format_kpi(criterion["value"], kpi.unit, locale)
    threshold = format_kpi(criterion["threshold"], kpi.unit, locale)
    return f"{kpi.label(locale)} {value} {sign} {threshold}"


@main.command()
@_config_option
@click.option("--port", type=int, default=None, help="Port of the dashboard (default 8501).")
@click.option("--headless/--open-browser", default=True, show_default=True)
@friendly_errors
def serve(config_path: str | None, port: int | None, headless: bool) -> None:
    """Serve the Streamlit dashboard on the configured store."""
    config = load_config(config_path)
    store = _open(config)  # migrate and check the store before the server starts
    store.dispose()
    sys.exit(run_dashboard(config.path, port=port, headless=headless))


def run_dashboard(config_path: Path, *, port: int | None = None, headless: bool = True) -> int:
    """Run ``streamlit run dashboard/app.py`` on a config; returns the exit status."""
    app = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
    command = [sys.executable, "-m", "streamlit", "run", str(app)]
    command += ["--server.headless", "true" if headless else "false"]
    command += ["--browser.gatherUsageStats", "false"]
    if port is not None:
        command += ["--server.port", str(port)]
    env = dict(os.environ, **{CONFIG_ENV: str(config_path.resolve())})
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0


@main.command()
@click.option(
    "--db",
    "db_url",
    default=None,
    help="Store URL (default: SQLite in hypercare-demo/hypercare.db).",
)
@click.option(
    "--dir", "directory", type=click.Path(file_okay=False), default=".", show_default=True
)
@click.option("--no-serve", is_flag=True, help="Build the demo store and stop.")
@click.option("--reset", is_flag=True, help="Empty a non-empty --db store first.")
@click.option("--port", type=int, default=None, help="Port of the dashboard.")
@friendly_errors
def demo(db_url: str | None, directory: str, no_serve: bool, reset: bool, port: int | None) -> None:
    """Build a demo company through the real collectors, then serve the dashboard."""
    from hypercare.demo.build import DemoError, build_demo

    try:
        result = build_demo(Path(directory), db_url=db_url, reset=reset, echo=click.echo)
    except DemoError as exc:
        _fail(str(exc), EXIT_CONFIG)
        return
    click.echo(
        f"\nDemo ready: {result.config_path} (store {result.store_label}).\n"
        f"Next: hypercare report --config {result.config_path}"
    )
    if not no_serve:
        sys.exit(run_dashboard(result.config_path, port=port))


def _register_commands() -> None:
    """Commands that live in modules of their own (they import this module's helpers)."""
    from hypercare.cli_alerts import alerts
    from hypercare.cli_backlog import backlog, surveys
    from hypercare.cli_config import config_group
    from hypercare.cli_data import COMMANDS as DATA_COMMANDS
    from hypercare.cli_reconcile import reconcile

    for command in (alerts, backlog, surveys, reconcile, config_group, *DATA_COMMANDS):
        main.add_command(command)


_register_commands()


if __name__ == "__main__":  # pragma: no cover
    main()
