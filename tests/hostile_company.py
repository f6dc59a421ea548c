"""A small company whose names and free text are hostile (HTML, Markdown, Streamlit directives,
spreadsheet formulas), loaded through the real collectors: shared by the AppTest checks
(tests/app/test_hostile_text.py) and the browser check (tests/e2e/test_hostile_browser.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from hypercare.cli import main

DEMO_DAY = dt.date(2026, 11, 23)
SCRIPT = "<script>alert('xss')</script>"
IMG = "<img src=x onerror=alert(1)>"
BOLD = "**gras**"
LINK = "[lien](javascript:alert(1))"
FORMULA = '=HYPERLINK("http://evil","x")'
DIRECTIVE = ":red[alerte] $x^2$"
HOSTILE = (SCRIPT, IMG, BOLD, LINK, FORMULA, DIRECTIVE)

TEAMS = (f"Compta {BOLD}", f"Logistique {IMG}")
WAVE = f"pilote {LINK}"
RULE = f"règle {SCRIPT}"
URGENT_SUBJECT = f"Bloquant {SCRIPT} {BOLD} {FORMULA}"
OTHER_SUBJECT = f"{FORMULA} {LINK} {DIRECTIVE}"


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def build_hostile_company(directory: Path) -> Path:
    """A small company whose names and tickets are hostile, collected by ``hypercare collect``
    and evaluated by ``hypercare alerts`` as of ``DEMO_DAY``; returns its config's path."""
    go_live = DEMO_DAY - dt.timedelta(days=40)
    people = [[f"u{i}", TEAMS[i % 2], WAVE, go_live.isoformat()] for i in range(8)]
    (directory / "roster.csv").write_text(
        _csv([["user", "team", "wave", "go_live"], *people]), encoding="utf-8"
    )
    usage = [
        [f"{(DEMO_DAY - dt.timedelta(days=d)).isoformat()} 10:00", f"u{i}", DIRECTIVE]
        for d in range(30)
        for i in range(8)
        if i % 2 == 0 or d % 3 == 0
    ]
    usage.append(["=1+1", "@SUM(A1)", FORMULA])  # a bad time: quarantined with its raw line
    (directory / "usage.csv").write_text(_csv([["ts", "user", "feature"], *usage]), "utf-8")
    day = (DEMO_DAY - dt.timedelta(days=2)).isoformat()
    tickets = [
        ["ref", "created_at", "subject", "priority", "team", "module"],
        ["T-1", f"{day} 09:00", URGENT_SUBJECT, "Highest", TEAMS[0], IMG],
        ["T-2", f"{day} 10:00", OTHER_SUBJECT, "Low", TEAMS[1], BOLD],
    ]
    (directory / "tickets.csv").write_text(_csv(tickets), encoding="utf-8")
    config = directory / "hypercare.yaml"
    config.write_text(
        f"""store:
  url: sqlite:///{directory / "store.db"}
privacy: {{min_group_size: 1}}
locale: fr
core_features: [{DIRECTIVE!r}]
waves:
  criteria:
    - {{kpi: adoption_rate, threshold: 0.99, min_days: 1}}
support:
  sla_hours:
    Highest: {{first_response: 1, resolution: 8}}
    Low: {{first_response: 24, resolution: 120}}
alerts:
  rules:
    - {{name: {RULE!r}, kind: threshold, kpi: adoption_rate, scope: "team:*",
       comparison: "<=", value: 1.0}}
sources:
  - {{name: annuaire, kind: roster, path: roster.csv, csv: {{delimiter: ";"}}}}
  - {{name: usage, kind: usage, path: usage.csv, csv: {{delimiter: ";"}}}}
  - {{name: tickets, kind: tickets, path: tickets.csv, csv: {{delimiter: ";"}}}}
""",
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HYPERCARE_SECRET_KEY", "dashboard-test-key")
        mp.delenv("HYPERCARE_DB_URL", raising=False)
        runner = CliRunner()
        collected = runner.invoke(main, ["collect", "--config", str(config)])
        assert collected.exit_code == 0, collected.output
        assert re.search(r"usage .* 161 +160 +0 +1\n", collected.output), collected.output
        alerts = runner.invoke(
            main, ["alerts", "--config", str(config), "--as-of", DEMO_DAY.isoformat()]
        )
        assert alerts.exit_code == 0, alerts.output
    return config
