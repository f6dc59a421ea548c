"""``hypercare reconcile``: the consistency audit of the legacy system against the new one.

Exit status: 0 every entity passes; 1 an entity fails or cannot be compared (or the store cannot
be opened); 2 a bad config, no ``reconciliation:`` section, or an unknown ``--entity``. Safe to
run from cron: it only reads both sides and appends the run's results to the store.

``hypercare.cli`` registers this command at its end; import that module (not this one) first.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from hypercare.cli_common import EXIT_CONFIG, EXIT_SOURCE, _config_option, _fail, friendly_errors
from hypercare.config import load_config
from hypercare.formatting import format_number
from metrics.store import open_store


@click.command()
@_config_option
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--entity", "entities", multiple=True, help="Only this entity (repeatable).")
@click.option("--no-store", is_flag=True, help="Do not record the run in the store (a dry run).")
@friendly_errors
def reconcile(config_path: str | None, fmt: str, entities: tuple[str, ...], no_store: bool) -> None:
    """Compare the legacy system with the new one: totals, groups, and row by row by key."""
    from metrics.reconcile import UnknownEntity, run_reconciliation, section_of

    config = load_config(config_path)
    if section_of(config) is None:
        _fail(
            f"{config.path}: reconciliation: no such section; add one with the legacy and new "
            "sides and the entities to compare (see docs/reconciliation.md)",
            EXIT_CONFIG,
        )
    known = {e.name for e in section_of(config).entities}
    unknown = [name for name in entities if name not in known]
    if unknown:
        _fail(
            f"{config.path}: --entity {unknown[0]!r} is not an entity of reconciliation: "
            f"(entities: {', '.join(sorted(known))})",
            EXIT_CONFIG,
        )
    store = None if no_store else open_store(config.store_url)
    try:
        result = run_reconciliation(config, store, list(entities) or None)
    except UnknownEntity as exc:  # pragma: no cover - checked above
        _fail(f"{config.path}: {exc}", EXIT_CONFIG)
        return
    finally:
        if store is not None:
            store.dispose()
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(render_table(result, config.locale))
    if any(e["status"] != "pass" for e in result["entities"]):
        sys.exit(EXIT_SOURCE)


def _count(value: int | None, locale: str) -> str:
    return "—" if value is None else format_number(value, locale)


def render_table(result: dict[str, Any], locale: str) -> str:
    """The run for a person: one line per entity, then what differs and sample keys."""
    headers = ["entity", "status", "legacy", "new", "missing", "extra", "changed", "dup. keys"]
    rows = []
    for e in result["entities"]:
        dups = e["duplicate_keys"]
        dup_text = (
            "—"
            if dups["legacy"] is None
            else f"{_count(dups['legacy'], locale)}/{_count(dups['new'], locale)}"
        )
        rows.append(
            [
                e["name"],
                e["status"].upper(),
                _count(e["rows"]["legacy"], locale),
                _count(e["rows"]["new"], locale),
                _count(e["missing_in_new"], locale),
                _count(e["extra_in_new"], locale),
                _count(e["changed"], locale),
                dup_text,
            ]
        )
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        cells = [
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    for e in result["entities"]:
        details = _details(e)
        if details:
            lines.append("")
            lines.append(f"{e['name']}:")
            lines.extend(f"  {d}" for d in details)
    return "\n".join(lines)


def _details(e: dict[str, Any]) -> list[str]:
    if e["status"] == "error":
        return [f"error: {e['message']}"]
    out = [f"- {reason}" for reason in e.get("reasons", [])]
    samples = e["samples"]
    if samples["missing_in_new"]:
        out.append("missing in new: " + ", ".join(map(_key, samples["missing_in_new"])))
    if samples["extra_in_new"]:
        out.append("extra in new: " + ", ".join(map(_key, samples["extra_in_new"])))
    for change in samples["changed"]:
        parts = [
            f"{c} {change['legacy'][c]!r} → {change['new'][c]!r}"
            + (" (encoding)" if c in change.get("encoding", []) else "")
            for c in change["columns"]
        ]
        out.append(f"changed {_key(change['key'])}: " + "; ".join(parts))
    for side in ("legacy", "new"):
        keys = samples["duplicate_keys"][side]
        if keys:
            out.append(f"duplicated keys in {side}: " + ", ".join(map(_key, keys)))
    return out


def _key(key: Any) -> str:
    return " / ".join(map(str, key)) if isinstance(key, list) else str(key)
