"""Fixtures of the dashboard tests: the demo company's store (built once per session) and a way
to run the app on a config with AppTest (``rendered.py`` reads what a run rendered).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from hypercare.config import Config, load_config
from hypercare.demo.build import build_demo

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboard" / "app.py"
DEMO_DAY = dt.date(2026, 11, 23)


@dataclass(frozen=True)
class Demo:
    config_path: Path
    config: Config
    day: dt.date = DEMO_DAY


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The demo company (Direction is the team too small to show), as of DEMO_DAY."""
    directory = tmp_path_factory.mktemp("dashboard-demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HYPERCARE_SECRET_KEY", "dashboard-test-key")
        mp.delenv("HYPERCARE_DB_URL", raising=False)
        result = build_demo(directory, today=DEMO_DAY, echo=lambda _: None)
        config = load_config(result.config_path)
    return Demo(result.config_path, config)


RunApp = Callable[..., AppTest]


@pytest.fixture
def run_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunApp]:
    """``run_app(config_path, lang="EN", as_of=..., teams=[...])``: the app after its first run.

    Keyword arguments become URL query parameters (as in a shared link); ``as_of`` defaults to
    the demo's day so that results do not depend on the clock.
    """

    def _run(config_path: Path | str | None, **query: Any) -> AppTest:
        if config_path is not None:
            monkeypatch.setenv("HYPERCARE_CONFIG", str(config_path))
        app = AppTest.from_file(str(APP), default_timeout=30)
        query.setdefault("as_of", DEMO_DAY.isoformat())
        app.query_params.update({k: v for k, v in query.items() if v is not None})
        return app.run()

    yield _run
