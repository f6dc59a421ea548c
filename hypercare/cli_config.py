"""``hypercare config show``: the effective configuration, validated, with secrets redacted.

``hypercare config show [--config F] [--format yaml|json]`` loads the config as every other
command does (defaults filled in, relative paths resolved, ``HYPERCARE_DB_URL`` applied) and
prints it. Passwords in URLs and secret values are replaced by ``***``; the ``secrets`` entry
says which secrets the config refers to are set, never their values (hypercare/redact.py).
Exit status: 0; 2 a bad config.
"""

from __future__ import annotations

import json

import click
import yaml

from hypercare.cli_common import _config_option, friendly_errors
from hypercare.config import load_config
from hypercare.redact import effective_config


@click.group("config")
def config_group() -> None:
    """Inspect the configuration."""


@config_group.command("show")
@_config_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
)
@friendly_errors
def show(config_path: str | None, fmt: str) -> None:
    """Print the validated configuration, with passwords and secrets redacted."""
    data = effective_config(load_config(config_path))
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), nl=False)
