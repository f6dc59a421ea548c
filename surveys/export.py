"""The backlog written out: JSON (the contract's shape), CSV safe to open in a spreadsheet, and
the rows of the CLI's table.

A CSV cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed
with ``'`` by ``hypercare.csv_safety.safe_cell``, so that a spreadsheet shows the text instead
of running it as a formula (CSV injection): feedback text comes from anyone who can write a
ticket or answer a survey.
"""

from __future__ import annotations

import csv
import io
import json

from hypercare.csv_safety import safe_cell
from surveys.backlog import Backlog

__all__ = ["CSV_COLUMNS", "safe_cell", "table_rows", "to_csv", "to_json"]

CSV_COLUMNS = (
    "rank",
    "lane",
    "title",
    "theme",
    "score",
    "scoring",
    "reach_people",
    "reach_teams",
    "impact",
    "confidence",
    "effort",
    "value",
    "quick_win",
    "status",
    "owner",
    "teams",
    "other_teams",
    "feedback",
    "urgent_reasons",
)


def to_json(backlog: Backlog) -> str:
    """The Backlog JSON of CONTRACT.md (indented, UTF-8 characters kept)."""
    return json.dumps(backlog.as_dict(), ensure_ascii=False, indent=2)


def to_csv(backlog: Backlog) -> str:
    """One row per entry; the feedback as ``source:ref`` joined by `` | ``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in backlog.entries:
        row = [
            e.rank,
            e.lane,
            e.title,
            e.theme,
            e.score,
            e.scoring,
            e.people,
            e.team_count,
            e.impact,
            e.confidence,
            e.effort,
            round(e.value, 2),
            "yes" if e.quick_win else "no",
            e.status,
            e.owner or "",
            "; ".join(e.teams),
            "; ".join(f"{team}: {n}" for team, n in e.other_teams.items()),
            " | ".join(f"{f.source}:{f.ref}" for f in e.feedback),
            " | ".join(e.urgent_reasons),
        ]
        writer.writerow([safe_cell(c) for c in row])
    return buffer.getvalue()


def table_rows(backlog: Backlog, width: int = 60) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the CLI's table."""
    headers = ["rank", "lane", "score", "people", "teams", "items", "status", "title"]
    rows = []
    for e in backlog.entries:
        title = e.title if len(e.title) <= width else e.title[: width - 1] + "…"
        marks = (" ★" if e.quick_win else "") + (
            f" (+{sum(e.other_teams.values())})" if e.other_teams else ""
        )
        rows.append(
            [
                str(e.rank),
                e.lane,
                f"{e.score:g}",
                str(e.people),
                str(e.team_count),
                str(len(e.feedback)),
                e.status,
                title + marks,
            ]
        )
    return headers, rows
