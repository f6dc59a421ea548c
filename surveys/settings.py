"""The ``surveys:`` and ``backlog:`` sections of ``hypercare.yaml`` (docs/configuration.md).

Both are registered in ``hypercare.config.SECTIONS``; ``parse_section`` validates either and
returns its frozen settings, with every problem reported through the config's ``Checker``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from surveys.pulse_config import PulseSurvey, parse_pulse
from surveys.text import fold

if TYPE_CHECKING:
    from hypercare.config import Checker, Config

SCORING_METHODS = ("rice", "ice", "value_effort")
CES_MODES = ("mean", "top_box")
DEFAULT_LINK_URL = "http://localhost:8501/"

URGENT_KEYWORDS: tuple[str, ...] = (
    "bloquant",
    "bloquante",
    "bloquants",
    "bloqué",
    "bloquée",
    "bloqués",
    "bloquées",
    "impossible de facturer",
    "impossible d'envoyer",
    "impossible de valider",
    "impossible de se connecter",
    "perte de données",
    "blocker",
    "blocking",
    "blocked",
    "cannot invoice",
    "can't invoice",
    "unable to invoice",
    "cannot log in",
    "data loss",
)
URGENT_PRIORITIES: tuple[str, ...] = (
    "Highest",
    "Blocker",
    "Critical",
    "Urgent",
    "P1",
    "Bloquant",
    "Critique",
    "Urgente",
    "Très haute",
)
HIGH_PRIORITIES: tuple[str, ...] = (
    "High",
    "Major",
    "P2",
    "Haute",
    "Élevée",
    "Majeur",
    "Majeure",
)


@dataclass(frozen=True)
class CesSettings:
    scale: int = 7  # the top of the declared scale: 5 or 7
    mode: str = "mean"  # mean | top_box
    direction: str = "down"  # mean effort: lower is better; top_box: up


@dataclass(frozen=True)
class SurveySettings:
    min_responses: int = 10
    confidence: float = 0.95
    period: str = "month"  # month | week: the buckets of a score over time
    ces: CesSettings = field(default_factory=CesSettings)
    pulse: tuple[PulseSurvey, ...] = ()  # surveys hosted by the app (surveys/pulse_config.py)
    link_url: str = DEFAULT_LINK_URL  # where respondents open the app (their links)

    def pulse_survey(self, survey_id: str) -> PulseSurvey | None:
        return next((s for s in self.pulse if s.id == survey_id), None)


@dataclass(frozen=True)
class BacklogSettings:
    scoring: str = "rice"
    urgent_keywords: tuple[str, ...] = URGENT_KEYWORDS
    urgent_priorities: tuple[str, ...] = URGENT_PRIORITIES
    high_priorities: tuple[str, ...] = HIGH_PRIORITIES
    default_effort: float = 1.0
    quick_win_max_effort: float = 1.0
    theme_distance: float = 0.82  # cosine distance under which items join one theme
    duplicate_similarity: float = 0.8  # cosine similarity from which two items are near-duplicates
    links: dict[str, str] = field(default_factory=dict)  # source → URL template with {ref}

    def is_urgent_priority(self, priority: str | None) -> bool:
        return priority is not None and _norm(priority) in {
            _norm(p) for p in self.urgent_priorities
        }

    def is_high_priority(self, priority: str | None) -> bool:
        return priority is not None and _norm(priority) in {_norm(p) for p in self.high_priorities}


def _norm(text: str) -> str:
    return " ".join(fold(text).split())


def survey_settings(config: Config | None) -> SurveySettings:
    """The config's ``surveys:`` settings (the defaults without a config)."""
    found = config.sections.get("surveys") if config is not None else None
    return found if isinstance(found, SurveySettings) else SurveySettings()


def backlog_settings(config: Config | None) -> BacklogSettings:
    """The config's ``backlog:`` settings (the defaults without a config)."""
    found = config.sections.get("backlog") if config is not None else None
    return found if isinstance(found, BacklogSettings) else BacklogSettings()


def parse_section(chk: Checker, value: Any, key: str) -> SurveySettings | BacklogSettings:
    """Validate ``surveys:`` or ``backlog:`` (by ``key``); None gives the defaults."""
    if key == "surveys":
        return _parse_surveys(chk, value, key)
    return _parse_backlog(chk, value, key)


def _fraction(chk: Checker, value: Any, key: str, default: float, low: float, high: float) -> float:
    number = chk.number(value, key)
    if number is None:
        return default
    if not low <= number <= high:
        chk.fail(key, f"a number between {low:g} and {high:g}", value)
        return default
    return number


def _parse_surveys(chk: Checker, value: Any, key: str) -> SurveySettings:
    raw = chk.mapping(value, key)
    chk.unknown_keys(
        raw, ("min_responses", "confidence", "period", "ces", "pulse", "link_url"), key
    )
    ces_raw = chk.mapping(raw.get("ces"), f"{key}.ces")
    chk.unknown_keys(ces_raw, ("scale", "mode", "direction"), f"{key}.ces")
    scale = ces_raw.get("scale", 7)
    if scale not in (5, 7) or isinstance(scale, bool):
        chk.fail(f"{key}.ces.scale", "5 or 7 (the top of the 1–5 or 1–7 scale)", scale)
        scale = 7
    mode = chk.choice(ces_raw.get("mode"), f"{key}.ces.mode", CES_MODES, "mean")
    direction = chk.choice(
        ces_raw.get("direction"),
        f"{key}.ces.direction",
        ("up", "down"),
        "up" if mode == "top_box" else "down",
    )
    return SurveySettings(
        min_responses=chk.integer(raw.get("min_responses"), f"{key}.min_responses", 10, minimum=1),
        confidence=_fraction(chk, raw.get("confidence"), f"{key}.confidence", 0.95, 0.5, 0.999),
        period=chk.choice(raw.get("period"), f"{key}.period", ("month", "week"), "month"),
        ces=CesSettings(scale=scale, mode=mode, direction=direction),
        pulse=parse_pulse(chk, raw.get("pulse"), f"{key}.pulse"),
        link_url=_link_url(chk, raw.get("link_url"), f"{key}.link_url"),
    )


def _link_url(chk: Checker, value: Any, key: str) -> str:
    url = chk.string(value, key)
    if url is None:
        return DEFAULT_LINK_URL
    if not url.startswith(("http://", "https://")):
        chk.fail(key, "the dashboard's address, such as https://hypercare.example.fr/", url)
        return DEFAULT_LINK_URL
    return url


def _word_list(chk: Checker, value: Any, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        chk.fail(key, "a list of words or phrases", value)
        return default
    return tuple(v.strip() for v in value)


def _parse_backlog(chk: Checker, value: Any, key: str) -> BacklogSettings:
    raw = chk.mapping(value, key)
    chk.unknown_keys(
        raw, ("scoring", "urgent", "impact", "effort", "quick_win", "themes", "links"), key
    )
    urgent = chk.mapping(raw.get("urgent"), f"{key}.urgent")
    chk.unknown_keys(urgent, ("keywords", "priorities"), f"{key}.urgent")
    impact = chk.mapping(raw.get("impact"), f"{key}.impact")
    chk.unknown_keys(impact, ("high_priorities",), f"{key}.impact")
    effort = chk.mapping(raw.get("effort"), f"{key}.effort")
    chk.unknown_keys(effort, ("default",), f"{key}.effort")
    quick = chk.mapping(raw.get("quick_win"), f"{key}.quick_win")
    chk.unknown_keys(quick, ("max_effort",), f"{key}.quick_win")
    themes = chk.mapping(raw.get("themes"), f"{key}.themes")
    chk.unknown_keys(themes, ("distance", "duplicate_similarity"), f"{key}.themes")
    links_raw = chk.mapping(raw.get("links"), f"{key}.links")
    links: dict[str, str] = {}
    for source, template in links_raw.items():
        text = chk.string(template, f"{key}.links.{source}")
        if text is not None and "{ref}" not in text:
            chk.fail(f"{key}.links.{source}", "a URL with {ref} where the item's ref goes", text)
        elif text is not None:
            links[str(source)] = text
    default_effort = _fraction(chk, effort.get("default"), f"{key}.effort.default", 1.0, 0.01, 1e6)
    return BacklogSettings(
        scoring=chk.choice(raw.get("scoring"), f"{key}.scoring", SCORING_METHODS, "rice"),
        urgent_keywords=_word_list(
            chk, urgent.get("keywords"), f"{key}.urgent.keywords", URGENT_KEYWORDS
        ),
        urgent_priorities=_word_list(
            chk, urgent.get("priorities"), f"{key}.urgent.priorities", URGENT_PRIORITIES
        ),
        high_priorities=_word_list(
            chk, impact.get("high_priorities"), f"{key}.impact.high_priorities", HIGH_PRIORITIES
        ),
        default_effort=default_effort,
        quick_win_max_effort=_fraction(
            chk, quick.get("max_effort"), f"{key}.quick_win.max_effort", 1.0, 0.01, 1e6
        ),
        theme_distance=_fraction(
            chk, themes.get("distance"), f"{key}.themes.distance", 0.82, 0.05, 0.99
        ),
        duplicate_similarity=_fraction(
            chk,
            themes.get("duplicate_similarity"),
            f"{key}.themes.duplicate_similarity",
            0.8,
            0.3,
            1.0,
        ),
        links=links,
    )
