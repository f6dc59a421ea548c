"""Pulse surveys in a real browser: Debian's Chromium (Playwright) on a phone-sized screen
against ``hypercare serve`` on the demo company built for today, whose pulse surveys have a
round open today (J+90 of wave 2, identified and anonymous).

The links come from ``hypercare surveys links --format json``; a respondent fills in each form,
sees the thank-you screen, is refused with a clear message on a second try, and the answers
reach ``hypercare surveys`` and ``hypercare backlog``; the anonymous round's rows hold no
identity. Skips when Chromium or Playwright is missing — except under CI, where it fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from hypercare.config import load_config
from metrics.store import open_store
from metrics.store.models import PulseUse, SurveyAnswer, SurveyResponse

sys.path.insert(0, str(Path(__file__).parent))
from test_browser import ARTIFACTS, READY, browser, serving  # noqa: F401

HYPERCARE = str(Path(sys.executable).parent / "hypercare")
KEY = "e2e-pulse-key"
IDENTIFIED = "pouls:J+90:vague 2"
ANONYMOUS = "climat:J+90:vague 2"
COMMENT = "Impossible de facturer en lot depuis lundi, c'est bloquant"


def _cli(config: Path, *args: str) -> str:
    env = dict(os.environ, HYPERCARE_SECRET_KEY=KEY)
    env.pop("HYPERCARE_DB_URL", None)
    done = subprocess.run(
        [HYPERCARE, *args, "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(URL, config) of ``hypercare serve`` on the demo company built for today."""
    from hypercare.demo.build import build_demo

    directory = tmp_path_factory.mktemp("e2e-pulse")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HYPERCARE_SECRET_KEY", KEY)
        mp.delenv("HYPERCARE_DB_URL", raising=False)
        result = build_demo(directory, echo=lambda _: None)
    with serving(result.config_path, directory, KEY) as url:
        yield url, result.config_path


def _links(config: Path, round_key: str, server: str) -> list[str]:
    payload = json.loads(_cli(config, "surveys", "links", "--round", round_key, "--format", "json"))
    assert payload["round"] == round_key and payload["people"]
    assert "{link}" in payload["email"]["fr"] and "{link}" in payload["email"]["en"]
    return [p["link"].replace("http://localhost:8501/", f"{server}/") for p in payload["people"]]


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(READY, timeout=90_000)
    page.wait_for_timeout(300)


def _pick(page, question: int, label: str) -> None:
    from playwright.sync_api import expect

    group = page.locator("[data-testid='stRadioGroup']").nth(question)
    group.locator("[data-testid='stRadioOption']").filter(
        has=page.get_by_text(label, exact=True)
    ).click()
    expect(group.locator("input:checked")).to_have_count(1)


def test_respondents_answer_once_on_a_phone(browser, served):  # noqa: F811
    server, config_path = served
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="fr-FR")

    # Identified round: NPS, the two UMUX-Lite items, a comment.
    link = _links(config_path, IDENTIFIED, server)[0]
    _open(page, link)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stSidebarNav']").count() == 0  # nothing but the form
    assert "Le nouvel outil" in page.locator("h1").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "pulse_form_phone.png"), full_page=True)
    _pick(page, 0, "3")
    _pick(page, 1, "2")
    _pick(page, 2, "3")
    page.locator("textarea").first.fill(COMMENT)
    page.screenshot(path=str(ARTIFACTS / "pulse_form_filled.png"), full_page=True)
    page.get_by_role("button", name="Envoyer mes réponses").click()
    page.wait_for_selector(READY, timeout=30_000)
    page.get_by_text("Merci !").wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "pulse_thanks.png"), full_page=True)

    # The same link again (a new visit): refused with a clear message, no form.
    second = browser.new_page(viewport={"width": 390, "height": 844}, locale="en-US")
    _open(second, link)
    second.get_by_text("You have already answered this round").wait_for(timeout=30_000)
    assert second.get_by_role("button", name="Send my answers").count() == 0
    second.close()

    # Anonymous round, in English through the switch.
    anonymous = _links(config_path, ANONYMOUS, server)[0]
    _open(page, anonymous)
    page.get_by_text("English", exact=True).click()
    page.get_by_text("Your answers are anonymous").wait_for(timeout=30_000)
    _pick(page, 0, "4 · Satisfied")
    _pick(page, 1, "Partly")
    page.locator("textarea").first.fill("Formation trop courte")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_text("Thank you!").wait_for(timeout=30_000)
    page.close()

    # The answers in the scores and the backlog, like collected ones.
    scores = json.loads(_cli(config_path, "surveys", "--format", "json", "--source", "pulse:pouls"))
    every = next(
        r
        for r in scores["rows"]
        if r["scope"] == "all" and r["round"] is None and r["period"] is None
    )
    assert every["responses"] == 1
    backlog = json.loads(_cli(config_path, "backlog", "--format", "json"))
    sources = {f["source"] for e in backlog["entries"] for f in e["feedback"]}
    assert {"pulse:pouls", "pulse:climat"} <= sources

    # The anonymous round's rows hold no identity.
    config = load_config(config_path)
    store = open_store(config.store_url)
    try:
        with store.session() as session:
            rows = session.scalars(
                select(SurveyResponse).where(SurveyResponse.source == "pulse:climat")
            ).all()
            assert len(rows) == 1 and rows[0].user_key is None
            token = anonymous.split("t=", 1)[1]
            stored = f"{rows[0].ref} {rows[0].response_key} {rows[0].row_hash}"
            stored += " ".join(session.scalars(select(PulseUse.use_key)))
            stored += " ".join(t or "" for t in session.scalars(select(SurveyAnswer.text)))
            assert token not in stored and token.split(".")[1] not in stored
    finally:
        store.dispose()
