"""Pulse surveys hosted by Hypercare: rounds, signed links, one answer per person per round.

* **Rounds** (``rounds``): a survey's configured rounds made concrete with the store's waves —
  a round ``after_go_live: 14`` becomes one round per wave, open from the wave's go-live + 14
  days for ``days`` days. A round's key is ``<survey>:<label>`` or ``<survey>:<label>:<wave>``.
* **Links** (``issue_token`` / ``read_token``): a token is a compact JSON claim and an
  HMAC-SHA-256 signature (128 bits) under a key derived from ``HYPERCARE_SECRET_KEY``. An
  identified round's claim names the person (their pseudonym) and the round; an anonymous
  round's claim holds a one-time nonce (a keyed hash of round and person, so it says nothing
  about who) and the person's team. The claim carries its expiry (the round's closing day).
* **Answers** (``submit``): the right to answer is spent by inserting its keyed hash into
  ``pulse_uses`` (primary key) in the same transaction as the response, which is written by the
  survey collectors' own writer (``collectors.kinds.survey``) under the source ``pulse:<id>``:
  scores and the backlog read it like a collected one. A second answer, even racing the first,
  fails on the key. An anonymous response stores no person, no token, the day without the time,
  and its team only when the team has at least ``privacy.min_group_size`` licensed people;
  below that it is stored as incomplete, so that no score counts it (in ``all`` alone, it would
  be ``all`` minus the shown teams), and its comment reaches the backlog without a team.
* **Follow-up** (``round_status``, ``reminders``, ``export_rows``): response rates per team,
  who has not answered (identified rounds only), the answers as rows for a CSV.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import json
import secrets
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collectors.base import CollectContext, stable_hash
from collectors.kinds.survey import SCALES, SurveyKind
from collectors.privacy import Pseudonymizer, scrub_text
from collectors.readers import RawRow
from metrics.store.models import Person, PulseUse, SurveyAnswer, SurveyResponse
from metrics.waves import wave_go_lives
from surveys.pulse_config import PulseSurvey, Question, RoundSpec
from surveys.settings import survey_settings

if TYPE_CHECKING:
    from hypercare.config import Config
    from metrics.store import Store

TOKEN_VERSION = 1
SIGNATURE_BYTES = 16
COMMENT_LIMIT = 8000


class PulseError(Exception):
    """A link that cannot be used, or answers that cannot be stored; ``code`` says which
    (invalid, unknown, not_open, closed, used, audience, answers, no_key) and ``str()`` the
    reason in English; the app shows its own sentence per code."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class Round:
    """A concrete round: a survey's round, for one wave when it follows the waves' go-lives."""

    survey: PulseSurvey
    label: str
    wave: str | None
    opens: dt.date
    closes: dt.date

    @property
    def key(self) -> str:
        base = f"{self.survey.id}:{self.label}"
        return f"{base}:{self.wave}" if self.wave else base

    def is_open(self, today: dt.date) -> bool:
        return self.opens <= today <= self.closes


@dataclass(frozen=True)
class Invitee:
    person: str  # the roster person's key (pseudonym)
    team: str
    wave: str | None
    name: str | None  # stored only without pseudonymization


@dataclass(frozen=True)
class Claim:
    """What a link proves: the right to answer one round, once."""

    survey: str
    round: str  # the round's label
    wave: str | None
    expires: dt.date  # the last day it may be used
    person: str | None = None  # identified rounds
    nonce: str | None = None  # anonymous rounds
    team: str | None = None  # anonymous rounds: the team, shown only above the group size
    lang: str | None = None

    @property
    def round_key(self) -> str:
        base = f"{self.survey}:{self.round}"
        return f"{base}:{self.wave}" if self.wave else base


# -- rounds and audiences ----------------------------------------------------------------------


def _concrete(survey: PulseSurvey, spec: RoundSpec, go_lives: dict[str, dt.date | None]):
    if spec.after_go_live is None:
        assert spec.opens is not None and spec.closes is not None
        yield Round(survey, spec.label, None, spec.opens, spec.closes)
        return
    for wave, go_live in go_lives.items():
        if go_live is None or (survey.audience.waves and wave not in survey.audience.waves):
            continue
        opens = go_live + dt.timedelta(days=spec.after_go_live)
        yield Round(survey, spec.label, wave, opens, opens + dt.timedelta(days=spec.days - 1))


def rounds(session: Session, config: Config) -> list[Round]:
    """Every round of every pulse survey of ``config``, waves expanded, by opening day."""
    settings = survey_settings(config)
    if not settings.pulse:
        return []
    go_lives = wave_go_lives(session)
    found = [
        r
        for survey in settings.pulse
        for spec in survey.rounds
        for r in _concrete(survey, spec, go_lives)
    ]
    return sorted(found, key=lambda r: (r.opens, r.key))


def find_round(session: Session, config: Config, key: str) -> Round | None:
    return next((r for r in rounds(session, config) if r.key == key), None)


def audience(session: Session, round_: Round) -> list[Invitee]:
    """The licensed roster people a round asks, by team then key."""
    query = select(Person).where(Person.licensed.is_(True))
    wanted = round_.survey.audience
    if wanted.teams:
        query = query.where(Person.team.in_(wanted.teams))
    if wanted.waves:
        query = query.where(Person.wave.in_(wanted.waves))
    if round_.wave is not None:
        query = query.where(Person.wave == round_.wave)
    people = session.scalars(query.order_by(Person.team, Person.person_key))
    return [Invitee(p.person_key, p.team, p.wave, p.display_name) for p in people]


def team_sizes(session: Session) -> dict[str, int]:
    """Licensed people per team (the privacy rule's group size)."""
    rows = session.execute(
        select(Person.team, func.count()).where(Person.licensed.is_(True)).group_by(Person.team)
    )
    return {team: int(n) for team, n in rows}


# -- keys and tokens ---------------------------------------------------------------------------


def _secret(config: Config) -> bytes:
    from hypercare.config import SECRET_KEY_ENV

    value = config.secret(SECRET_KEY_ENV)
    if not value:
        raise PulseError(
            "no_key",
            f"pulse survey links are signed with {SECRET_KEY_ENV}, and none is set: export "
            f"{SECRET_KEY_ENV}=<a long random string> (or put it in .streamlit/secrets.toml "
            "next to the config)",
        )
    return value.encode("utf-8")


def _derived(config: Config, purpose: str) -> bytes:
    return hmac.new(_secret(config), f"hypercare/pulse/{purpose}".encode(), "sha256").digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def anonymous_nonce(config: Config, round_key: str, person: str) -> str:
    """The one-time nonce of a person in an anonymous round (it does not reveal the person)."""
    digest = hmac.new(_derived(config, "nonce"), f"{round_key}\x1f{person}".encode(), "sha256")
    return digest.hexdigest()[:32]


def use_key(config: Config, claim: Claim) -> str:
    """The keyed hash stored when a right to answer is spent."""
    holder = claim.person if claim.nonce is None else f"nonce:{claim.nonce}"
    message = f"{claim.round_key}\x1f{holder}".encode()
    return hmac.new(_derived(config, "use"), message, "sha256").hexdigest()


def claim_for(config: Config, round_: Round, invitee: Invitee, lang: str | None = None) -> Claim:
    if round_.survey.anonymous:
        nonce = anonymous_nonce(config, round_.key, invitee.person)
        return Claim(
            round_.survey.id, round_.label, round_.wave, round_.closes, None, nonce, invitee.team
        )
    return Claim(
        round_.survey.id, round_.label, round_.wave, round_.closes, invitee.person, lang=lang
    )


def issue_token(config: Config, claim: Claim) -> str:
    """The signed token of a claim (URL-safe)."""
    payload: dict[str, Any] = {
        "v": TOKEN_VERSION,
        "s": claim.survey,
        "r": claim.round,
        "x": claim.expires.isoformat(),
    }
    for name, value in (
        ("w", claim.wave),
        ("p", claim.person),
        ("n", claim.nonce),
        ("t", claim.team),
        ("l", claim.lang),
    ):
        if value is not None:
            payload[name] = value
    body = _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    signature = hmac.new(_derived(config, "token"), body.encode("ascii"), "sha256").digest()
    return f"{body}.{_b64(signature[:SIGNATURE_BYTES])}"


def read_token(config: Config, token: str, today: dt.date) -> Claim:
    """The claim of a token whose signature holds and which has not expired; else PulseError."""
    invalid = PulseError("invalid", "the link is not valid (changed, cut or from elsewhere)")
    body, dot, signature = token.strip().partition(".")
    if not dot or not body or not signature or len(token) > 2000:
        raise invalid
    try:
        given = _unb64(signature)
        expected = hmac.new(_derived(config, "token"), body.encode("ascii"), "sha256").digest()
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise invalid from None
    if not hmac.compare_digest(given, expected[:SIGNATURE_BYTES]):
        raise invalid
    try:
        payload = json.loads(_unb64(body))
        if payload.get("v") != TOKEN_VERSION:
            raise invalid
        claim = Claim(
            survey=str(payload["s"]),
            round=str(payload["r"]),
            wave=payload.get("w"),
            expires=dt.date.fromisoformat(payload["x"]),
            person=payload.get("p"),
            nonce=payload.get("n"),
            team=payload.get("t"),
            lang=payload.get("l"),
        )
    except (KeyError, ValueError, TypeError, AttributeError):
        raise invalid from None
    if (claim.person is None) == (claim.nonce is None):
        raise invalid
    if today > claim.expires:
        raise PulseError("closed", "the round closed", closes=claim.expires)
    return claim


def link(config: Config, token: str) -> str:
    """The respondent's link: the dashboard's address with ``?t=<token>``."""
    base = survey_settings(config).link_url
    return f"{base}{'&' if '?' in base else '?'}t={token}"


# -- answering ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    """A link checked against the config and the store: the form may be shown."""

    claim: Claim
    round: Round
    token: str


def open_link(store: Store, config: Config, token: str, today: dt.date) -> Opened:
    """Check a link: signature, expiry, the round (still configured and open), not used yet."""
    claim = read_token(config, token, today)
    with store.session() as session:
        round_ = find_round(session, config, claim.round_key)
        if round_ is None or round_.survey.anonymous != (claim.nonce is not None):
            raise PulseError("unknown", f"round {claim.round_key} is no longer configured")
        if today < round_.opens:
            raise PulseError("not_open", "the round is not open yet", opens=round_.opens)
        if today > round_.closes:
            raise PulseError("closed", "the round closed", closes=round_.closes)
        if session.get(PulseUse, use_key(config, claim)) is not None:
            raise PulseError("used", "this link has already been used to answer")
        if claim.person is not None and claim.person not in {
            i.person for i in audience(session, round_)
        }:
            raise PulseError("audience", "this person is not asked in this round")
    return Opened(claim, round_, token)


def _checked_answers(
    survey: PulseSurvey, answers: dict[str, Any], ces_scale: int
) -> list[tuple[str, int, str, float | None, str | None]]:
    """(instrument, item, question, value, text) of each answer; PulseError on a bad one."""
    out = []
    missing = []
    for q in survey.questions:
        value = answers.get(q.id)
        if isinstance(value, str):
            value = value.strip() or None
        if value is None:
            if q.required:
                missing.append(q.id)
            continue
        if q.instrument == "comment":
            out.append(
                (q.instrument, q.item, q.text.fr, None, scrub_text(str(value))[:COMMENT_LIMIT])
            )
            continue
        if q.instrument == "choice":
            if value not in {o.id for o in q.options}:
                raise PulseError("answers", f"{q.id}: {value!r} is not one of the options")
            out.append((q.instrument, q.item, q.text.fr, None, str(value)))
            continue
        low, high = SCALES[q.instrument]
        if q.instrument == "ces":
            high = ces_scale
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            raise PulseError("answers", f"{q.id}: {value!r} is not on the {low}–{high} scale")
        out.append((q.instrument, q.item, q.text.fr, float(value), None))
    if missing:
        raise PulseError("answers", f"unanswered: {', '.join(missing)}", missing=missing)
    return out


def submit(
    store: Store,
    config: Config,
    opened: Opened,
    answers: dict[str, Any],
    now: dt.datetime | None = None,
) -> str:
    """Store the answers of an opened link; return the response's ref.

    Raises PulseError ``used`` when the right was spent meanwhile (another tab, a double
    click, a racing request): the ``pulse_uses`` key is written first, in the response's
    transaction, so exactly one of two racing submissions is stored.
    """
    claim, round_ = opened.claim, opened.round
    survey = round_.survey
    settings = survey_settings(config)
    checked = _checked_answers(survey, answers, settings.ces.scale)
    now = now or dt.datetime.now(dt.UTC)
    day = now.astimezone(config.tz).date()
    if not round_.is_open(day) or day > claim.expires:
        raise PulseError("closed", "the round closed", closes=round_.closes)
    ref = secrets.token_hex(6)
    try:
        with store.session() as session:
            # The first write: on SQLite it takes the write lock; on PostgreSQL a racing insert
            # of the same key waits for this transaction and then fails.
            session.add(PulseUse(use_key=use_key(config, claim), round_key=claim.round_key[:300]))
            session.flush()
            team = None
            scored = True
            if claim.person is None:
                sizes = team_sizes(session)
                if claim.team and sizes.get(claim.team, 0) >= config.privacy.min_group_size:
                    team = claim.team
                elif claim.team:
                    # Not scored either (stored as incomplete): counted in ``all`` alone, the
                    # answer would come back as ``all`` minus the shown teams. Its comment still
                    # reaches the backlog, without a team.
                    scored = False
                # The day only: a time could be matched with a server log or a reminder.
                submitted = dt.datetime.combine(day, dt.time(12), config.tz).astimezone(dt.UTC)
                key = stable_hash("pulse", survey.source, ref)
            else:
                submitted = now.astimezone(dt.UTC)
                key = stable_hash("pulse", survey.source, claim.round_key, claim.person)
            record = {
                "ref": ref,
                "round": round_.label,
                "submitted_at": submitted,
                "day": day,
                "user": claim.person,
                "team": team,
                "complete": scored,
                "answers": checked,
                "response_key": key,
                "row_hash": stable_hash(submitted.isoformat(), claim.person, team, repr(checked)),
            }
            written = SurveyKind().write(session, _context(config, survey), [(_row(ref), record)])
            if written.accepted != 1:
                raise PulseError("used", "this round already holds this person's answer")
    except IntegrityError:
        raise PulseError("used", "this link has already been used to answer") from None
    return ref


def _context(config: Config, survey: PulseSurvey) -> CollectContext:
    from hypercare.config import SourceConfig

    source = SourceConfig(name=survey.source, kind="survey", format="pulse", path="", index=-1)
    return CollectContext(
        config=config, source=source, pseudonymize=Pseudonymizer(None), company_tz=config.tz
    )


def _row(ref: str) -> RawRow:
    return RawRow(line=0, number=0, values={}, raw=f"pulse response {ref}")


# -- follow-up ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamRate:
    team: str
    asked: int
    answered: int

    @property
    def rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None


@dataclass(frozen=True)
class RoundStatus:
    round: Round
    asked: int
    answered: int
    teams: list[TeamRate]
    suppressed: list[str]  # teams under privacy.min_group_size

    @property
    def rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None


def answered_people(session: Session, round_: Round) -> set[str]:
    rows = session.scalars(
        select(SurveyResponse.user_key).where(
            SurveyResponse.source == round_.survey.source,
            SurveyResponse.round == round_.label,
            SurveyResponse.user_key.is_not(None),
        )
    )
    return set(rows)


def round_status(
    session: Session, round_: Round, min_group_size: int, teams: frozenset[str] | None = None
) -> RoundStatus:
    """Response rate of a round, overall and per team (``teams``: only these, for a viewer
    scoped to their teams). A team under the group size shows neither count nor rate."""
    invitees = audience(session, round_)
    sizes = team_sizes(session)
    answered_total = int(
        session.scalar(
            select(func.count()).select_from(PulseUse).where(PulseUse.round_key == round_.key)
        )
        or 0
    )
    asked = Counter(i.team for i in invitees)
    if round_.survey.anonymous:
        day_filter = [SurveyResponse.day >= round_.opens, SurveyResponse.day <= round_.closes]
        by_team = Counter(
            dict(
                session.execute(
                    select(SurveyResponse.team, func.count())
                    .where(
                        SurveyResponse.source == round_.survey.source,
                        SurveyResponse.round == round_.label,
                        SurveyResponse.team.is_not(None),
                        *day_filter,
                    )
                    .group_by(SurveyResponse.team)
                ).all()
            )
        )
    else:
        done = answered_people(session, round_)
        by_team = Counter(i.team for i in invitees if i.person in done)
    rates, suppressed = [], []
    for team in sorted(asked):
        if teams is not None and team not in teams:
            continue
        if sizes.get(team, 0) < min_group_size:
            suppressed.append(team)
            continue
        rates.append(TeamRate(team, asked[team], by_team.get(team, 0)))
    return RoundStatus(round_, len(invitees), answered_total, rates, suppressed)


def reminders(
    session: Session, round_: Round, teams: frozenset[str] | None = None
) -> list[Invitee]:
    """Who has not answered an identified round yet (none for an anonymous round)."""
    if round_.survey.anonymous:
        return []
    done = answered_people(session, round_)
    return [
        i
        for i in audience(session, round_)
        if i.person not in done and (teams is None or i.team in teams)
    ]


def export_rows(
    session: Session, survey: PulseSurvey, teams: frozenset[str] | None = None
) -> tuple[list[str], list[list[Any]]]:
    """The answers of a survey: a row per response, a column per question (its id).

    Identified rounds give the person's pseudonym and team; anonymous ones the team only when it
    was stored. ``teams`` keeps the responses of those teams (an ambassador's)."""
    questions: list[Question] = list(survey.questions)
    header = ["ref", "round", "day", "person", "team"] + [q.id for q in questions]
    teams_of = dict(session.execute(select(Person.person_key, Person.team)).all())
    responses = session.scalars(
        select(SurveyResponse)
        .where(SurveyResponse.source == survey.source)
        .order_by(SurveyResponse.day, SurveyResponse.id)
    ).all()
    answers: dict[int, dict[tuple[str, int], Any]] = {}
    ids = [r.id for r in responses]
    for start in range(0, len(ids), 900):
        for response_id, instrument, item, value, text in session.execute(
            select(
                SurveyAnswer.response_id,
                SurveyAnswer.instrument,
                SurveyAnswer.item,
                SurveyAnswer.value,
                SurveyAnswer.text,
            ).where(SurveyAnswer.response_id.in_(ids[start : start + 900]))
        ):
            answers.setdefault(response_id, {})[(instrument, item)] = (
                text if value is None else (int(value) if value == int(value) else value)
            )
    rows = []
    for r in responses:
        team = teams_of.get(r.user_key, r.team) if r.user_key else r.team
        if teams is not None and team not in teams:
            continue
        got = answers.get(r.id, {})
        rows.append(
            [r.ref, r.round, r.day.isoformat() if r.day else "", r.user_key or "", team or ""]
            + [got.get((q.instrument, q.item), "") for q in questions]
        )
    return header, rows
