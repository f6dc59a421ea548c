"""The dashboard in a real browser: Debian's Chromium driven by Playwright against
``hypercare serve`` on the demo store (datasette's test_playwright.py is the model).

Starts the server on a free port, opens every page (none may show an exception), changes a
filter and checks a value follows, and saves a screenshot per page under tests/artifacts/.
Skips with the reason when Chromium or Playwright is missing — except under CI (``CI`` set),
where a missing browser is a failure.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("HYPERCARE_CHROMIUM", "/usr/bin/chromium")
DEMO_DAY = dt.date(2026, 11, 23)
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
PAGES = [
    "overview",
    "adoption",
    "trends",
    "alerts",
    "feedback",
    "support",
    "quality",
    "pulse",
    "glossary",
]


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the browser test must run)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(config: Path, directory: Path, key: str) -> Iterator[str]:
    """``hypercare serve --config config`` on a free port of the loopback, with ``key`` as the
    secret key; yields its URL once it listens, stops it afterwards."""
    env = dict(os.environ, HYPERCARE_SECRET_KEY=key)
    env.pop("HYPERCARE_DB_URL", None)
    port = _free_port()
    command = [str(Path(sys.executable).parent / "hypercare"), "serve", "--config", str(config)]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=directory,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"hypercare serve stopped: {output[-2000:]}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        else:
            pytest.fail("hypercare serve did not listen within 60 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed (pip install playwright)")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``hypercare serve`` on the demo company, on a free port of the loopback."""
    from hypercare.demo.build import build_demo

    directory = tmp_path_factory.mktemp("e2e-demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HYPERCARE_SECRET_KEY", "e2e-test-key")
        mp.delenv("HYPERCARE_DB_URL", raising=False)
        result = build_demo(directory, today=DEMO_DAY, echo=lambda _: None)
    with serving(result.config_path, directory, "e2e-test-key") as url:
        yield url


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(READY, timeout=90_000)
    page.wait_for_timeout(500)  # charts draw after the script ends
    page.wait_for_selector(READY, timeout=90_000)


def test_every_page_opens_without_an_exception(browser, server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    for name in PAGES:
        path = "" if name == "overview" else name
        _open(page, f"{server}/{path}?as_of={DEMO_DAY.isoformat()}")
        assert page.locator("[data-testid='stException']").count() == 0, name
        assert page.locator("h1").count() >= 1, name
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.close()


def test_changing_the_language_and_a_team_changes_what_is_shown(browser, server):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _open(page, f"{server}/adoption?as_of={DEMO_DAY.isoformat()}")
    assert page.locator("h1").first.inner_text() == "Adoption"
    assert page.get_by_text("Adoption par équipe").count() == 1

    page.locator(".st-key-lang button", has_text="EN").click()
    page.wait_for_selector(READY, timeout=90_000)
    page.get_by_text("Adoption per team").wait_for(timeout=30_000)
    assert "lang=EN" in page.url  # the filter is in the shared link

    # Only one team: the URL says so, and the per-team table keeps that team alone.
    _open(page, f"{server}/adoption?as_of={DEMO_DAY.isoformat()}&lang=EN&teams=Logistique")
    assert page.locator("[data-testid='stException']").count() == 0
    teams = page.locator(".st-key-teams").inner_text()
    assert "Logistique" in teams and "ADV" not in teams
    page.screenshot(path=str(ARTIFACTS / "adoption_one_team.png"), full_page=True)
    page.close()
