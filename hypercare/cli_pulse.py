"""``hypercare surveys links --round R`` (docs/cli.md): the links of a pulse-survey round.

Prints one line per person of the round's audience (e-mail or name from the roster file, team,
link), then the invitation to paste into an e-mail in French and English, ``{link}`` standing
for each person's link. ``--pending`` keeps the people who have not answered (identified rounds
only: an anonymous round cannot tell). ``--format csv`` gives the list for a mail merge.
Exit status: 0; 1 the store cannot be opened; 2 a bad config, an unknown round or no key.
"""

from __future__ import annotations

import csv
import io
import json
import sys

import click

from hypercare.cli_common import EXIT_CONFIG, _config_option
from hypercare.cli_common import friendly_errors as _friendly
from hypercare.config import load_config
from hypercare.csv_safety import safe_cell
from metrics.store import open_store


@click.command()
@_config_option
@click.option("--round", "round_key", required=True, help="The round: <survey>:<round>[:<wave>].")
@click.option(
    "--pending", is_flag=True, help="Only the people who have not answered (identified rounds)."
)
@click.option(
    "--lang",
    type=click.Choice(["fr", "en"]),
    default=None,
    help="The language the form opens in (default: the respondent's browser, then the config).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True
)
@_friendly
def links(
    config_path: str | None, round_key: str, pending: bool, lang: str | None, fmt: str
) -> None:
    """The links of a pulse-survey round, one per person, and the e-mail text to paste."""
    from metrics.scopes import publishable_population
    from surveys.pulse import PulseError
    from surveys.pulse_links import email_text, invitations

    config = load_config(config_path)
    store = open_store(config.store_url)
    try:
        round_, found = invitations(store, config, round_key, lang)
        with store.session() as session:  # a team the privacy rule hides is never named
            hidden = publishable_population(session, config.privacy.min_group_size).excluded_teams
    except PulseError as exc:
        click.echo(f"hypercare: {config.path}: {exc}", err=True)
        sys.exit(EXIT_CONFIG)
    finally:
        store.dispose()
    if pending and round_.survey.anonymous:
        click.echo(
            "hypercare: --pending: the round is anonymous, nobody can tell who has not answered",
            err=True,
        )
        sys.exit(EXIT_CONFIG)
    if pending:
        found = [i for i in found if not i.answered]
    rows = [
        {
            "email": i.contact.email or "",
            "name": i.contact.name or "",
            "team": "" if i.invitee.team in hidden else i.invitee.team,
            "wave": i.invitee.wave or "",
            "answered": "" if round_.survey.anonymous else ("yes" if i.answered else "no"),
            "link": i.link,
        }
        for i in found
    ]
    if fmt == "json":
        payload = {
            "round": round_.key,
            "opens": round_.opens.isoformat(),
            "closes": round_.closes.isoformat(),
            "anonymous": round_.survey.anonymous,
            "people": rows,
            "email": {
                code: email_text(round_, code, config.privacy.min_group_size)
                for code in ("fr", "en")
            },
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["link"])
        writer.writeheader()
        for row in rows:
            writer.writerow({k: safe_cell(v) for k, v in row.items()})
        click.echo(buffer.getvalue(), nl=False)
        return
    kind = "anonymous" if round_.survey.anonymous else "identified"
    click.echo(
        f"# {round_.key}: {round_.survey.title.en} ({kind}), open "
        f"{round_.opens.isoformat()} to {round_.closes.isoformat()}; {len(rows)} people"
    )
    for row in rows:
        who = row["email"] or row["name"] or "(no e-mail in the roster)"
        click.echo(f"{who}\t{row['team']}\t{row['link']}")
    for code in ("fr", "en"):
        click.echo(f"\n# e-mail ({code}); {{link}} is each person's link\n")
        click.echo(email_text(round_, code, config.privacy.min_group_size))
