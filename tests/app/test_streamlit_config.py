"""The Streamlit settings: valid options, and the two copies kept identical."""

from __future__ import annotations

import tomllib
from pathlib import Path

from streamlit import config as st_config

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / ".streamlit" / "config.toml"
BESIDE_APP = ROOT / "dashboard" / ".streamlit" / "config.toml"


def test_the_copy_beside_the_app_is_the_project_one():
    # Streamlit reads dashboard/.streamlit/ whatever the working directory of `hypercare serve`.
    assert BESIDE_APP.read_text(encoding="utf-8") == PROJECT.read_text(encoding="utf-8")


def test_every_option_is_one_streamlit_knows():
    settings = tomllib.loads(PROJECT.read_text(encoding="utf-8"))
    known = st_config.get_config_options()
    for section, options in settings.items():
        for name in options:
            assert f"{section}.{name}" in known, f"{section}.{name}"
    assert settings["browser"]["gatherUsageStats"] is False
    assert settings["theme"]["base"] == "light"
