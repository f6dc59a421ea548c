"""Documentation that fails when it falls behind: config keys, fields, commands, KPIs."""

import re
from pathlib import Path

from click.testing import CliRunner

from collectors.kinds import KINDS
from collectors.readers import READERS
from hypercare.cli import main
from hypercare.config import SECTIONS, SOURCE_KEYS, TOP_LEVEL_KEYS
from metrics.kpis import glossary_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs"
README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_config_key_and_field_is_documented():
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    for key in (*TOP_LEVEL_KEYS, *SOURCE_KEYS, *SECTIONS):
        assert f"`{key}" in text, key
    for name, kind in KINDS.items():
        assert f"**{name}**" in text, name
        for field in kind.fields:
            assert f"| `{field}` |" in text, (name, field)
    for reader in READERS:
        assert f"`{reader}`" in text, reader
    sources = (DOCS / "sources.md").read_text(encoding="utf-8")
    for reader in READERS:
        assert f"\n## {reader}\n" in sources, f"docs/sources.md has no section for {reader}"


def test_every_command_is_documented():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for name in main.commands:
        assert f"`hypercare {name}" in text, name
        help_text = CliRunner().invoke(main, [name, "--help"]).output
        for option in re.findall(r"^\s+(--[a-z-]+)", help_text, flags=re.M):
            if option not in ("--help", "--headless", "--open-browser"):
                assert option in text, (name, option)


def test_kpi_glossary_is_current():
    text = (DOCS / "kpis.md").read_text(encoding="utf-8")
    section = text.split("<!-- kpi-table -->\n", 1)[1].split("<!-- /kpi-table -->", 1)[0]
    assert section == glossary_markdown(), "regenerate the table in docs/kpis.md"


def test_readme_has_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert "hypercare demo" in text.split("<!-- demo-command -->")[1].split("<!-- /demo-command")[0]
    assert "pytest" in text.split("<!-- test-command -->")[1].split("<!-- /test-command")[0]
