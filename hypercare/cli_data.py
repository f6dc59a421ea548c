"""``hypercare backup``, ``restore``, ``purge`` and ``forget``: the store's data lifecycle.

Exit status: 0 done (or, with ``--dry-run``, shown); 1 the store could not be read or written,
or a backup tool failed; 2 a bad config, a bad argument (a file that is not a Hypercare backup,
one of a newer Hypercare) or a destructive command refused at its confirmation.
Destructive commands (restore, purge, forget) ask first; ``--yes`` answers for scripts.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from hypercare.cli_common import (
    EXIT_CONFIG,
    EXIT_SOURCE,
    _config_option,
    _fail,
    _open,
    exits_on,
    friendly_errors,
)
from hypercare.config import Config, load_config
from hypercare.formatting import format_number

_format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
_yes_option = click.option(
    "--yes", "-y", "assume_yes", is_flag=True, help="Do not ask for confirmation (scripts, cron)."
)


_backup_errors = exits_on(
    ("metrics.backup:BadBackup", EXIT_CONFIG), ("metrics.backup:BackupError", EXIT_SOURCE)
)


def _confirm(question: str, assume_yes: bool) -> None:
    if assume_yes:
        return
    try:
        confirmed = click.confirm(question, default=False, err=True)
    except click.Abort:  # no answer (no terminal, end of input)
        confirmed = False
    if not confirmed:
        _fail("nothing done (not confirmed; add --yes to answer without a question)", EXIT_CONFIG)


def _store_label(config: Config) -> str:
    from sqlalchemy import make_url

    return make_url(config.store_url).render_as_string(hide_password=True)


@click.command()
@_config_option
@click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(dir_okay=False),
    default=None,
    help="The backup file to write (default: hypercare-<UTC time>.db, or .dump for PostgreSQL, "
    "in the current folder). It must not exist.",
)
@_format_option
@friendly_errors
@_backup_errors
def backup(config_path: str | None, output: str | None, fmt: str) -> None:
    """Back the store up into one file, checked before it is kept.

    SQLite: the online backup API (consistent while collectors write). PostgreSQL: pg_dump
    --format=custom (the PostgreSQL client tools must be installed).
    """
    from metrics.backup import backup_store, default_backup_name

    config = load_config(config_path)
    dest = Path(output or default_backup_name(config.store_url))
    result = backup_store(config.store_url, dest)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    rows = format_number(sum(result.rows.values()), config.locale)
    click.echo(
        f"Backed up {_store_label(config)} to {result.path} "
        f"({format_number(result.size_bytes, config.locale)} bytes, {rows} rows, "
        f"schema {', '.join(result.revisions)}, {result.seconds:.1f} s); the copy was checked."
    )


@click.command()
@click.argument("backup_file", type=click.Path(dir_okay=False))
@_config_option
@click.option(
    "--keep-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="PostgreSQL: where the current database is dumped before it is replaced "
    "(default: the backup's folder). A SQLite store is renamed beside itself.",
)
@_yes_option
@_format_option
@friendly_errors
@_backup_errors
def restore(
    backup_file: str, config_path: str | None, keep_dir: str | None, assume_yes: bool, fmt: str
) -> None:
    """Replace the store by a backup; the current store is kept aside, not deleted.

    Refuses a file that is not a Hypercare backup, or one of a newer Hypercare. Stop the
    dashboard and the collectors first.
    """
    from metrics.backup import inspect_backup, restore_store

    config = load_config(config_path)
    path = Path(backup_file)
    revisions = inspect_backup(path)  # refuse a bad file before asking anything
    _confirm(
        f"Replace the store {_store_label(config)} by {path} (schema {', '.join(revisions)})? "
        "The current store is kept aside",
        assume_yes,
    )
    result = restore_store(config.store_url, path, Path(keep_dir) if keep_dir else None)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    click.echo(f"Restored {result.path} into {_store_label(config)} ({result.seconds:.1f} s).")
    if result.kept_aside:
        click.echo(f"The store it replaced is kept at {result.kept_aside}.")


def _print_erasure(report: Any, locale: str) -> None:
    verb = "would remove" if report.dry_run else "removed"
    if not report.removed and not report.scrubbed:
        click.echo(f"Nothing to remove{' (dry run)' if report.dry_run else ''}.")
        return
    width = max([len(t) for t in report.removed] + [len(t) for t in report.scrubbed] + [5])
    for table, rows in sorted(report.removed.items()):
        click.echo(f"  {table.ljust(width)}  {format_number(rows, locale):>9} rows {verb}")
    for column, rows in sorted(report.scrubbed.items()):
        edited = "would be edited" if report.dry_run else "edited"
        click.echo(
            f"  {column.ljust(width)}  {format_number(rows, locale):>9} values {edited} "
            "(identifier cut out)"
        )
    total = format_number(report.total, locale)
    click.echo(f"  {'total'.ljust(width)}  {total:>9} rows {verb}")
    if report.dry_run:
        click.echo("Dry run: nothing was changed.")


@click.command()
@_config_option
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day the retention period is counted back from (default: today).",
)
@click.option("--dry-run", is_flag=True, help="Show what would be removed; change nothing.")
@_yes_option
@_format_option
@friendly_errors
def purge(
    config_path: str | None, as_of: dt.datetime | None, dry_run: bool, assume_yes: bool, fmt: str
) -> None:
    """Delete the personal data older than privacy.retention_days (see docs/security.md)."""
    from metrics.erasure import purge as run_purge
    from metrics.erasure import purge_cutoff
    from metrics.report import today_in

    config = load_config(config_path)
    day = as_of.date() if as_of else today_in(config.tz)
    days = config.privacy.retention_days
    cutoff = purge_cutoff(day, days)
    if not dry_run:
        _confirm(
            f"Delete the data of {_store_label(config)} dated before {cutoff.isoformat()} "
            f"(privacy.retention_days: {days})?",
            assume_yes,
        )
    store = _open(config)
    try:
        report = run_purge(store, days, day, config.tz, dry_run=dry_run)
    finally:
        store.dispose()
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    click.echo(f"Retention {days} days: data before {cutoff.isoformat()}.")
    _print_erasure(report, config.locale)


@click.command()
@click.argument("identifier")
@_config_option
@click.option("--dry-run", is_flag=True, help="Show what would be removed; change nothing.")
@_yes_option
@_format_option
@friendly_errors
def forget(
    identifier: str, config_path: str | None, dry_run: bool, assume_yes: bool, fmt: str
) -> None:
    """Erase one person everywhere (right to erasure): IDENTIFIER is their e-mail or login.

    Their rows go from every table, with the quarantined rows that name them; a tombstone (their
    pseudonym only) makes later collects skip their rows.
    """
    from collectors.privacy import Pseudonymizer
    from metrics.erasure import forget as run_forget

    config = load_config(config_path)
    if not identifier.strip():
        _fail("forget: the identifier is empty (give the person's e-mail or login)", EXIT_CONFIG)
    pseudonymize = Pseudonymizer(config.secret_key())
    if not dry_run:
        _confirm(
            f"Erase every row about {identifier!r} from {_store_label(config)}? This cannot be "
            "undone (backups taken before still hold them)",
            assume_yes,
        )
    store = _open(config)
    try:
        report = run_forget(
            store,
            identifier,
            pseudonymize,
            sources=[s.name for s in config.sources],
            dry_run=dry_run,
        )
    finally:
        store.dispose()
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    names = f"{report.identifiers} identifier{'s' if report.identifiers > 1 else ''}"
    click.echo(f"{identifier}: {names} (the person and their aliases).")
    _print_erasure(report, config.locale)
    if not report.dry_run:
        if report.already_erased and not report.total:
            click.echo("Already erased; the tombstone stays, later collects skip this person.")
        elif not report.total and not report.scrubbed:
            click.echo(
                "No row about this identifier was found (check its spelling); the tombstone is "
                "recorded anyway, so later collects skip it."
            )
        else:
            click.echo("Tombstone recorded: later collects skip this person's rows.")


COMMANDS = (backup, restore, purge, forget)
