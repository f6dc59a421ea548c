"""Hostile text shown as text (AppTest): names and free text that carry HTML, Markdown,
Streamlit directives or spreadsheet formulas, collected through the real collectors, reach every
Markdown-reading element of every page escaped — never as markup — and the CSV downloads
neutralize formulas.

What a run sends to the browser is read from its protobuf messages: the bodies of
``st.markdown``/``st.caption``/``st.info``… (``Markdown``, ``Alert``, ``Heading``) and the
labels of widgets and metrics, all rendered as Markdown by the front end.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hostile_company import (
    HOSTILE,
    OTHER_SUBJECT,
    RULE,
    URGENT_SUBJECT,
    WAVE,
    build_hostile_company,
)
from rendered import nodes

from hypercare.cli import main

PAGES = ("overview", "adoption", "trends", "support", "feedback", "alerts", "quality")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


@pytest.fixture(scope="module")
def hostile_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_hostile_company(tmp_path_factory.mktemp("hostile"))


def markdown_bodies(app: Any) -> list[str]:
    """Every text of the run the browser renders as Markdown."""
    found = []
    for node in nodes(app):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        kind = type(proto).__name__
        if kind in ("Markdown", "Alert", "Heading") and proto.body:
            found.append(proto.body)
        for name in ("label", "help"):
            if name in getattr(proto, "DESCRIPTOR", object()).fields_by_name:
                value = getattr(proto, name)
                if isinstance(value, str) and value:
                    found.append(value)
    return found


def unescaped(body: str) -> str:
    return _ESCAPED.sub(r"\1", body)


@pytest.mark.parametrize("page", PAGES)
def test_hostile_text_is_never_markup(hostile_config, run_app, page):
    app = run_app(hostile_config, page=page)
    assert not app.exception, app.exception
    bodies = markdown_bodies(app)
    assert bodies, "the page rendered nothing"
    for body in bodies:
        for text in HOSTILE:
            assert text not in body, f"{page}: {text!r} reaches Markdown unescaped in {body!r}"


def test_hostile_names_are_shown_as_written(hostile_config, run_app):
    """Escaping keeps the text: read back without the escapes, the names are all there."""
    shown = []
    for page in ("overview", "feedback"):
        app = run_app(hostile_config, page=page)
        assert not app.exception, app.exception
        shown += [unescaped(b) for b in markdown_bodies(app)]
    everything = "\n".join(shown)
    assert WAVE in everything  # the go / no-go line of the wave
    assert RULE in everything  # the firing alert on the overview
    # the urgent lane of the feedback page: the blocker's title (either ticket's subject, the
    # two share a theme) in bold, as written
    subjects = (URGENT_SUBJECT, OTHER_SUBJECT)
    assert any(b.startswith(tuple(f"**{x}** — " for x in subjects)) for b in shown), shown


def _cells(text: str, delimiter: str = ",") -> list[str]:
    return [c for row in csv.reader(io.StringIO(text), delimiter=delimiter) for c in row]


def _neutral(cells: list[str]) -> None:
    assert cells
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_every_download_neutralizes_hostile_formulas(hostile_config, run_app, monkeypatch):
    """The backlog and quarantine CSVs of the dashboard and of the CLI: a ticket subject and a
    quarantined raw line that start with ``=`` open in a spreadsheet as text."""
    monkeypatch.setenv("HYPERCARE_SECRET_KEY", "dashboard-test-key")
    from dashboard import data_feedback, data_ops, tables
    from hypercare.config import load_config
    from metrics.viewer import MANAGER

    config = load_config(hostile_config)
    for page in ("feedback", "quality"):
        app = run_app(hostile_config, page=page)
        kinds = [type(getattr(n, "proto", None)).__name__ for n in nodes(app)]
        assert "DownloadButton" in kinds, page  # the page offers the download checked below

    backlog = _cells(data_feedback.backlog_csv(config, MANAGER).decode("utf-8-sig"))
    _neutral(backlog)
    assert f"'{OTHER_SUBJECT}" in backlog

    frame = data_ops.quarantine(config, MANAGER)
    quarantined = _cells(tables.csv_bytes(frame, "fr").decode("utf-8-sig"), ";")
    _neutral(quarantined)
    assert any(c.startswith("'=1+1;@SUM(A1);") for c in quarantined)

    runner = CliRunner()
    cli_backlog = runner.invoke(
        main, ["backlog", "--config", str(hostile_config), "--format", "csv"]
    )
    assert cli_backlog.exit_code == 0, cli_backlog.output
    _neutral(_cells(cli_backlog.output))
    cli_quarantine = runner.invoke(
        main, ["quarantine", "--config", str(hostile_config), "--format", "csv"]
    )
    assert cli_quarantine.exit_code == 0, cli_quarantine.output
    cells = _cells(cli_quarantine.output)
    _neutral(cells)
    assert any(c.startswith("'=1+1;@SUM(A1);") for c in cells)
