"""Sources that Hypercare pulls from the APIs a company already runs (HTTP JSON, Prometheus…).

Each is a ``Format`` with ``files=False`` and a ``pull`` function (see ``collectors.formats``):
the same kinds, column and value mapping, ledger, quarantine and idempotency as file sources.
"""

from __future__ import annotations

from importlib import import_module

# One module per pulled format, each exposing ``FORMAT``; adding one is a module and a line here.
MODULES = (
    "source",
    "graph_usage",
    "google_workspace",
    "jira_rest",
    "zendesk_incremental",
    "sentry",
    "prometheus",
)


def pulled_formats() -> tuple:
    """The ``Format`` of every module in ``MODULES`` (imported on call, after the readers)."""
    return tuple(import_module(f"collectors.pull.{name}").FORMAT for name in MODULES)


# The readers are loaded before any pulled format's module: they import the readers, and the
# readers' registry imports them (through ``pulled_formats`` above).
import collectors.readers  # noqa: E402, F401
