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
import yaml
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
    """``run_app(config_path, page="adoption", user={...}, lang="EN", teams=[...])``: the app
    after its first run on ``page`` (default: the reader's home page).

    Other keyword arguments become URL query parameters (as in a shared link); ``as_of``
    defaults to the demo's day so that results do not depend on the clock. ``user`` is what
    ``st.user`` holds (add ``is_logged_in`` to act as a signed-in person).
    """

    def _run(
        config_path: Path | str | None,
        *,
        page: str | None = None,
        user: dict[str, Any] | None = None,
        **query: Any,
    ) -> AppTest:
        if config_path is not None:
            monkeypatch.setenv("HYPERCARE_CONFIG", str(config_path))
        app = AppTest.from_file(str(APP), default_timeout=60)
        if user is not None:
            app.user = user
        query.setdefault("as_of", DEMO_DAY.isoformat())
        params = {k: v for k, v in query.items() if v is not None}
        app.query_params.update(params)
        app.run()
        if page is not None and not app.error and not app.exception:
            # A page switch starts from a fresh URL: the shared link's filters come again.
            app.switch_page(f"views/{page}.py")
            app.query_params.update(params)
            app.run()
        return app

    yield _run


def _support_files(directory: Path) -> str:
    """Tickets and an error log beside the demo company; returns the config lines to add."""
    tickets = [
        "ref;created;priority;subject;reporter;first_response;resolved;module",
        # breached: High (4 h / 24 h), open since the 20th
        'FACT-1;20/11/2026 09:00;High;Export FEC refusé;=HYPERLINK("x");;;factures',
        # at risk: Medium (8 h / 72 h), answered, 60 h old at the end of the day
        "FACT-2;21/11/2026 09:00;Medium;Relance client bloquée;;21/11/2026 09:30;;relances",
        # on time: Low (24 h / 120 h), answered
        "FACT-3;23/11/2026 00:30;Low;Question sur les devis;;23/11/2026 01:00;;devis",
        # resolved: not open
        "FACT-4;10/11/2026 09:00;High;Connexion impossible;;10/11/2026 09:20;10/11/2026 12:00;auth",
    ]
    (directory / "tickets.csv").write_text("\n".join(tickets) + "\n", encoding="utf-8")
    lines = ["ts;level;module;message"]
    day = DEMO_DAY - dt.timedelta(days=59)
    while day <= DEMO_DAY:
        spike = day == DEMO_DAY - dt.timedelta(days=3)
        for i in range(30 if spike else 2 + day.toordinal() % 2):
            lines.append(f"{day.isoformat()} 10:{i:02d}:00;ERROR;factures;échec {i}")
        lines.append(f"{day.isoformat()} 11:00:00;ERROR;devis;échec")
        day += dt.timedelta(days=1)
    (directory / "errors.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return """support:
  sla_hours:
    High: {first_response: 4, resolution: 24}
    Medium: {first_response: 8, resolution: 72}
    Low: {first_response: 24, resolution: 120}
"""


@pytest.fixture(scope="session")
def support_demo(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The demo company with tickets and an error log (a store of its own)."""
    from collectors.run import collect
    from metrics.store import open_store

    directory = tmp_path_factory.mktemp("dashboard-support")
    raw = yaml.safe_load(demo.config_path.read_text(encoding="utf-8"))
    raw.pop("reconciliation", None)  # not this test's concern (relative paths of its own)
    # This store gets tickets and an error log of its own: keep only the roster and usage.
    raw["sources"] = [s for s in raw["sources"] if s["kind"] in ("roster", "usage")]
    for section in ("alerts", "backlog", "surveys"):
        raw.pop(section, None)
    raw["store"]["url"] = "sqlite:///support.db"
    for source in raw["sources"]:
        source["path"] = str(demo.config_path.parent / source["path"])
    raw |= yaml.safe_load(_support_files(directory))
    raw["sources"] += [
        {
            "name": "jira",
            "kind": "tickets",
            "path": str(directory / "tickets.csv"),
            "dates": {"dayfirst": True, "timezone": "Europe/Paris"},
            "columns": {
                "ref": "ref",
                "created_at": "created",
                "priority": "priority",
                "subject": "subject",
                "reporter": "reporter",
                "first_response_at": "first_response",
                "resolved_at": "resolved",
                "module": "module",
            },
        },
        {"name": "app-errors", "kind": "errors", "path": str(directory / "errors.csv")},
    ]
    text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
    path = directory / "hypercare.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HYPERCARE_SECRET_KEY", "dashboard-test-key")
        mp.delenv("HYPERCARE_DB_URL", raising=False)
        config = load_config(path)
        store = open_store(config.store_url)
        try:
            collect(config, store)
        finally:
            store.dispose()
    return Demo(path, config)
