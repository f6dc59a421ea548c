"""Hostile text in a real browser: Chromium against ``hypercare serve`` on a company whose team,
wave, rule names and tickets carry ``<img src=x onerror=alert(1)>``, ``<script>``, Markdown and
``javascript:`` links (tests/hostile_company.py). The pages that show them must render them as
text: no dialog opens (the ``onerror`` and ``<script>`` payloads never run), no ``<img src=x>``
or ``javascript:`` link exists in the page, and the page's visible text holds the payloads
character for character.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hostile_company import OTHER_SUBJECT, SCRIPT, WAVE, build_hostile_company
from test_browser import READY, browser, serving  # noqa: F401  (the browser fixture)


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("e2e-hostile")
    config = build_hostile_company(directory)
    with serving(config, directory, "dashboard-test-key") as url:
        yield url


@pytest.mark.parametrize(
    ("page_name", "expected"),
    [("overview", (WAVE, SCRIPT)), ("feedback", (OTHER_SUBJECT,)), ("adoption", (WAVE,))],
)
def test_planted_markup_never_runs_and_shows_as_text(
    browser,  # noqa: F811
    hostile_server,
    page_name,
    expected,
):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        path = "" if page_name == "overview" else page_name
        page.goto(f"{hostile_server}/{path}?as_of=2026-11-23")
        page.wait_for_selector(READY, timeout=90_000)
        page.wait_for_timeout(1500)  # let any planted handler fire, if it could
        page.wait_for_selector(READY, timeout=90_000)
        assert not page.locator("[data-testid='stException']").count()
        assert dialogs == [], f"a planted script ran: {dialogs}"
        assert page.locator("img[src='x']").count() == 0
        assert page.locator("a[href^='javascript']").count() == 0
        text = page.locator("[data-testid='stMain']").inner_text()
        for payload in expected:
            assert payload in text, f"{payload!r} is not shown as written on {page_name}"
    finally:
        context.close()
