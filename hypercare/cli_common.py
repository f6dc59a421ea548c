"""What every ``hypercare`` command module shares: exit statuses and turning errors into one line.

Kept apart from ``hypercare.cli`` so that the command modules (``cli_alerts``, ``cli_data``…)
import it without importing the command group (which imports them).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from hypercare.config import CONFIG_ENV, Config, ConfigError
from metrics.store import Store, StoreError, open_store

EXIT_SOURCE = 1
EXIT_CONFIG = 2

_config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help=f"Config file (default: ${CONFIG_ENV}, then ./hypercare.yaml).",
)


def _open(config: Config) -> Store:
    return open_store(config.store_url)


def _fail(message: str, status: int) -> None:
    click.echo(f"hypercare: {message}", err=True)
    sys.exit(status)


def exits_on(
    *errors: tuple[type[BaseException] | str, int] | tuple[type[BaseException] | str, int, str],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator turning the given errors into ``hypercare: <message>`` and an exit status.

    Each entry is ``(error, status)`` or ``(error, status, prefix)``; an error may be named
    ``"module:Class"`` to import it only when the command fails. The first matching entry wins.
    """

    def _resolve(error: type[BaseException] | str) -> type[BaseException]:
        if isinstance(error, str):
            module, _, name = error.partition(":")
            return getattr(importlib.import_module(module), name)
        return error

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except Exception as exc:
                for entry in errors:
                    if isinstance(exc, _resolve(entry[0])):
                        prefix = entry[2] if len(entry) > 2 else ""  # type: ignore[misc]
                        _fail(f"{prefix}{exc}", entry[1])
                raise

        return wrapper

    return decorate


# Turn user-facing errors into messages and exit statuses instead of tracebacks.
friendly_errors = exits_on((ConfigError, EXIT_CONFIG), (StoreError, EXIT_SOURCE))
