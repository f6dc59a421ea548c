"""Pulse surveys defined in the config (``surveys.pulse``), validated through the ``Checker``.

A pulse survey has an id, a title (and an optional intro) in French and English, its questions
(instrument items, free text, choices), its rounds (fixed dates, or days after each wave's
go-live), its audience (everybody, some teams, some waves) and whether it is anonymous. See
docs/surveys.md (Pulse surveys) and docs/configuration.md.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hypercare.config import Checker

LANGS = ("fr", "en")
QUESTION_TYPES = ("nps", "csat", "ces", "sus", "umux_lite", "comment", "choice")
# Seconds a respondent needs per question (a SUS item, a UMUX-Lite item): the form must stay
# under two minutes.
SECONDS = {"nps": 6, "csat": 6, "ces": 6, "sus": 4, "umux_lite": 5, "comment": 30, "choice": 8}
MAX_SECONDS = 120
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
SURVEY_KEYS = ("id", "title", "intro", "questions", "rounds", "audience", "anonymous")
QUESTION_KEYS = ("type", "text", "options", "required")
ROUND_KEYS = ("name", "opens", "closes", "after_go_live", "days")

# Built-in wording of each instrument's questions: (fr, en) per item.
BUILT_IN: dict[str, tuple[tuple[str, str], ...]] = {
    "nps": (
        (
            "Quelle est la probabilité que vous recommandiez le nouvel outil à un collègue ?",
            "How likely are you to recommend the new tool to a colleague?",
        ),
    ),
    "csat": (
        (
            "Dans l'ensemble, êtes-vous satisfait(e) du nouvel outil ?",
            "Overall, how satisfied are you with the new tool?",
        ),
    ),
    "ces": (
        (
            "Quel effort vous demande votre travail courant dans le nouvel outil ?",
            "How much effort does your everyday work in the new tool take?",
        ),
    ),
    "sus": (
        (
            "Je pense que j'aimerais utiliser ce logiciel fréquemment.",
            "I think that I would like to use this system frequently.",
        ),
        (
            "J'ai trouvé ce logiciel inutilement complexe.",
            "I found the system unnecessarily complex.",
        ),
        ("J'ai trouvé ce logiciel facile à utiliser.", "I thought the system was easy to use."),
        (
            "Je pense que j'aurais besoin de l'aide d'un technicien pour utiliser ce logiciel.",
            "I think that I would need the support of a technical person to use this system.",
        ),
        (
            "J'ai trouvé que les différentes fonctions de ce logiciel étaient bien intégrées.",
            "I found the various functions in this system were well integrated.",
        ),
        (
            "J'ai trouvé qu'il y avait trop d'incohérences dans ce logiciel.",
            "I thought there was too much inconsistency in this system.",
        ),
        (
            "J'imagine que la plupart des gens apprendraient très rapidement à utiliser ce "
            "logiciel.",
            "I would imagine that most people would learn to use this system very quickly.",
        ),
        (
            "J'ai trouvé ce logiciel très lourd à utiliser.",
            "I found the system very cumbersome to use.",
        ),
        (
            "Je me suis senti(e) très en confiance en utilisant ce logiciel.",
            "I felt very confident using the system.",
        ),
        (
            "J'ai dû apprendre beaucoup de choses avant de pouvoir utiliser ce logiciel.",
            "I needed to learn a lot of things before I could get going with this system.",
        ),
    ),
    "umux_lite": (
        (
            "Les fonctionnalités de ce logiciel répondent à mes besoins.",
            "This system's capabilities meet my requirements.",
        ),
        ("Ce logiciel est facile à utiliser.", "This system is easy to use."),
    ),
    "comment": (
        (
            "Qu'est-ce qui vous gêne le plus aujourd'hui dans le nouvel outil ?",
            "What bothers you most in the new tool today?",
        ),
    ),
}


@dataclass(frozen=True)
class Text:
    """A text in French and English."""

    fr: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr


@dataclass(frozen=True)
class Option:
    id: str
    label: Text


@dataclass(frozen=True)
class Question:
    """One item of the form: ``instrument`` and ``item`` are what the store's answer holds."""

    id: str  # e.g. nps, sus3, comment2, choice1
    instrument: str  # nps, csat, ces, sus, umux_lite, comment, choice
    item: int
    text: Text
    required: bool
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class RoundSpec:
    """A round as configured: fixed dates (``name``, ``opens``, ``closes``), or ``after_go_live``
    days after each wave's go-live, open ``days`` days."""

    label: str  # the name, or J+<days>
    opens: dt.date | None = None
    closes: dt.date | None = None
    after_go_live: int | None = None
    days: int = 7


@dataclass(frozen=True)
class Audience:
    """Who is asked: everybody on the roster with a seat, or only these teams and waves."""

    teams: tuple[str, ...] = ()
    waves: tuple[str, ...] = ()

    @property
    def everyone(self) -> bool:
        return not self.teams and not self.waves


@dataclass(frozen=True)
class PulseSurvey:
    id: str
    title: Text
    intro: Text | None
    questions: tuple[Question, ...]
    rounds: tuple[RoundSpec, ...]
    audience: Audience = field(default_factory=Audience)
    anonymous: bool = False

    @property
    def source(self) -> str:
        """The source name its responses are stored under."""
        return f"pulse:{self.id}"

    def seconds(self) -> int:
        return sum(SECONDS[q.instrument] for q in self.questions)


def _text(chk: Checker, value: Any, key: str, default: Text | None = None) -> Text | None:
    """A text: one string for both languages, or {fr: …, en: …}."""
    if value is None:
        return default
    if isinstance(value, str) and value.strip():
        return Text(value.strip(), value.strip())
    if isinstance(value, dict):
        chk.unknown_keys(value, LANGS, key)
        fr, en = value.get("fr"), value.get("en")
        if isinstance(fr, str) and fr.strip() and isinstance(en, str) and en.strip():
            return Text(fr.strip(), en.strip())
    chk.fail(key, "a text, or {fr: <French text>, en: <English text>}", value)
    return default


def _date(chk: Checker, value: Any, key: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    chk.fail(key, "a date YYYY-MM-DD", value)
    return None


def _questions(chk: Checker, value: Any, key: str) -> tuple[Question, ...]:
    if not isinstance(value, list) or not value:
        chk.fail(key, "a list of questions such as [{type: nps}, {type: comment}]", value)
        return ()
    out: list[Question] = []
    counts: dict[str, int] = {}
    for index, raw in enumerate(value):
        where = f"{key}[{index}]"
        if isinstance(raw, str):
            raw = {"type": raw}
        raw = chk.mapping(raw, where)
        chk.unknown_keys(raw, QUESTION_KEYS, where)
        qtype = raw.get("type")
        if qtype not in QUESTION_TYPES:
            chk.fail(f"{where}.type", f"one of {', '.join(QUESTION_TYPES)}", qtype)
            continue
        required = chk.boolean(raw.get("required"), f"{where}.required", None)
        if required is None:
            required = qtype not in ("comment",)
        if qtype in ("sus", "umux_lite"):
            if counts.get(qtype):
                chk.problems.append(f"{where}.type: {qtype} is already asked in this survey")
                continue
            if "text" in raw or "options" in raw:
                chk.problems.append(
                    f"{where}: the {qtype} items are the published ones; text and options "
                    "cannot be changed"
                )
            counts[qtype] = 1
            for item, (fr, en) in enumerate(BUILT_IN[qtype], start=1):
                out.append(Question(f"{qtype}{item}", qtype, item, Text(fr, en), required))
            continue
        item = counts.get(qtype, 0) + 1
        counts[qtype] = item
        built_in = BUILT_IN.get(qtype)
        default = Text(*built_in[0]) if built_in else None
        text = _text(chk, raw.get("text"), f"{where}.text", default)
        if text is None:
            chk.problems.append(f"{where}.text: a {qtype} question needs its text (fr and en)")
            continue
        options: tuple[Option, ...] = ()
        if qtype == "choice":
            options = _options(chk, raw.get("options"), f"{where}.options")
        elif "options" in raw:
            chk.problems.append(f"{where}.options: only a choice question has options")
        qid = qtype if item == 1 else f"{qtype}{item}"
        out.append(Question(qid, qtype, item, text, required, options))
    return tuple(out)


def _options(chk: Checker, value: Any, key: str) -> tuple[Option, ...]:
    if not isinstance(value, list) or len(value) < 2:
        chk.fail(key, "a list of at least two options (a text, or {fr: …, en: …})", value)
        return ()
    out = []
    seen: set[str] = set()
    for index, raw in enumerate(value):
        label = _text(chk, raw, f"{key}[{index}]")
        if label is None:
            continue
        if label.fr in seen:
            chk.problems.append(f"{key}[{index}]: {label.fr!r} is listed twice")
            continue
        seen.add(label.fr)
        out.append(Option(label.fr[:200], label))
    return tuple(out)


def _rounds(chk: Checker, value: Any, key: str) -> tuple[RoundSpec, ...]:
    if not isinstance(value, list) or not value:
        chk.fail(
            key,
            "a list of rounds such as [{after_go_live: 14}, {name: nov, opens: 2026-11-02, "
            "closes: 2026-11-13}]",
            value,
        )
        return ()
    out: list[RoundSpec] = []
    labels: set[str] = set()
    for index, raw in enumerate(value):
        where = f"{key}[{index}]"
        raw = chk.mapping(raw, where)
        chk.unknown_keys(raw, ROUND_KEYS, where)
        if "after_go_live" in raw:
            for wrong in ("opens", "closes"):
                if wrong in raw:
                    chk.problems.append(
                        f"{where}.{wrong}: a round after each wave's go-live has no fixed dates"
                    )
            after = chk.integer(raw.get("after_go_live"), f"{where}.after_go_live", 14)
            days = chk.integer(raw.get("days"), f"{where}.days", 7, minimum=1)
            label = chk.string(raw.get("name"), f"{where}.name") or f"J+{after}"
            spec = RoundSpec(label, after_go_live=after, days=days)
        else:
            label = chk.string(raw.get("name"), f"{where}.name")
            opens = _date(chk, raw.get("opens"), f"{where}.opens")
            closes = _date(chk, raw.get("closes"), f"{where}.closes")
            if not label:
                chk.problems.append(
                    f"{where}: a round needs a name with opens and closes dates, or "
                    "after_go_live (days after each wave's go-live)"
                )
                continue
            if opens is None or closes is None:
                chk.problems.append(f"{where}: round {label!r} needs opens and closes dates")
                continue
            if closes < opens:
                chk.problems.append(
                    f"{where}.closes: {closes.isoformat()} is before opens {opens.isoformat()}"
                )
                continue
            if "days" in raw:
                chk.problems.append(f"{where}.days: only a round after_go_live has days")
            spec = RoundSpec(label, opens=opens, closes=closes)
        if ":" in label or len(label) > 60:
            chk.fail(f"{where}.name", "a short name (no ':', at most 60 characters)", label)
            continue
        if label in labels:
            chk.problems.append(f"{where}: round {label!r} is already defined in this survey")
            continue
        labels.add(label)
        out.append(spec)
    return tuple(out)


def _audience(chk: Checker, value: Any, key: str) -> Audience:
    if value is None or value == "all":
        return Audience()
    if not isinstance(value, dict):
        chk.fail(key, "all, or {teams: [<team>, …], waves: [<wave>, …]}", value)
        return Audience()
    raw = value
    chk.unknown_keys(raw, ("teams", "waves"), key)
    lists = {}
    for name in ("teams", "waves"):
        items = raw.get(name) or []
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            chk.fail(f"{key}.{name}", "a list of names", items)
            items = []
        lists[name] = tuple(items)
    return Audience(teams=lists["teams"], waves=lists["waves"])


def parse_pulse(chk: Checker, value: Any, key: str) -> tuple[PulseSurvey, ...]:
    """Validate ``surveys.pulse`` (a list of surveys); None gives none."""
    if value is None:
        return ()
    if not isinstance(value, list):
        chk.fail(key, "a list of pulse surveys, each with id, title, questions and rounds", value)
        return ()
    out: list[PulseSurvey] = []
    ids: set[str] = set()
    for index, raw in enumerate(value):
        where = f"{key}[{index}]"
        raw = chk.mapping(raw, where)
        chk.unknown_keys(raw, SURVEY_KEYS, where)
        survey_id = chk.string(raw.get("id"), f"{where}.id")
        if not survey_id or not _ID.match(survey_id):
            chk.fail(
                f"{where}.id", "a short id of lowercase letters, digits, - and _", raw.get("id")
            )
            continue
        if survey_id in ids:
            chk.problems.append(f"{where}.id: {survey_id!r} is the id of another pulse survey")
            continue
        ids.add(survey_id)
        where = f"{key}[{index}] ({survey_id})"
        title = _text(chk, raw.get("title"), f"{where}.title")
        if title is None:
            chk.problems.append(f"{where}.title: expected a title (fr and en), found nothing")
            title = Text(survey_id, survey_id)
        survey = PulseSurvey(
            id=survey_id,
            title=title,
            intro=_text(chk, raw.get("intro"), f"{where}.intro"),
            questions=_questions(chk, raw.get("questions"), f"{where}.questions"),
            rounds=_rounds(chk, raw.get("rounds"), f"{where}.rounds"),
            audience=_audience(chk, raw.get("audience"), f"{where}.audience"),
            anonymous=bool(chk.boolean(raw.get("anonymous"), f"{where}.anonymous", False)),
        )
        if survey.questions and survey.seconds() > MAX_SECONDS:
            chk.problems.append(
                f"{where}.questions: about {survey.seconds()} seconds to answer; a pulse survey "
                f"must take under {MAX_SECONDS // 60} minutes: ask fewer questions"
            )
        out.append(survey)
    return tuple(out)
