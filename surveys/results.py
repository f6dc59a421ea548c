"""Survey scores from the store: per scope (all, team, wave), per round and over time.

A response counts in the team and wave of its respondent: the roster person its ``user`` names
(through e-mail aliases), else the response's own ``team`` column (and no wave). Incomplete
responses (``complete`` false) are not scored. Privacy follows the report: a team or wave with
fewer licensed users than ``privacy.min_group_size`` is suppressed, and its respondents are left
out of every other figure; a team known only from the responses is suppressed when it has fewer
respondents than that. A cell (a scope in a round or a period) with fewer responses than the
minimum group size shows its count but not its scores (``withheld``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from metrics.scopes import publishable_population
from metrics.store.models import Person, PersonAlias, SurveyAnswer, SurveyResponse
from metrics.viewer import MANAGER, Viewer
from surveys import scoring
from surveys.settings import SurveySettings

SCORED = ("nps", "csat", "ces", "sus", "umux_lite")


@dataclass
class Response:
    """One complete response and its numeric answers, attributed to a team and a wave."""

    id: int
    ref: str
    source: str
    round: str | None
    day: dt.date | None
    person_key: str | None
    team: str | None
    wave: str | None
    in_roster: bool = False
    answers: dict[str, dict[int, float]] = field(default_factory=dict)  # instrument → item → value


@dataclass(frozen=True)
class ScoreRow:
    """The scores of one scope, in one round or period (None: all of them)."""

    scope: str  # all | team:<name> | wave:<name>
    round: str | None
    period: str | None  # 2026-05 (month) or 2026-W22 (ISO week)
    responses: int
    withheld: bool  # fewer responses than the minimum group size: no scores shown
    scores: dict[str, scoring.Score]

    def as_dict(self) -> dict[str, object]:
        return {
            "scope": self.scope,
            "round": self.round,
            "period": self.period,
            "responses": self.responses,
            "withheld": self.withheld,
            "scores": {k: s.as_dict() for k, s in self.scores.items()},
        }


@dataclass(frozen=True)
class SurveyResults:
    rows: list[ScoreRow]
    suppressed: list[str]

    def row(self, scope: str = "all", round: str | None = None, period: str | None = None):
        """The row of ``scope`` (and round or period), or None."""
        for r in self.rows:
            if (r.scope, r.round, r.period) == (scope, round, period):
                return r
        return None


def person_resolver(session: Session) -> dict[str, str]:
    """Identifier pseudonym → roster person key (aliases and the people's own keys)."""
    resolve = {
        a: p for a, p in session.execute(select(PersonAlias.alias_key, PersonAlias.person_key))
    }
    for key in session.scalars(select(Person.person_key)):
        resolve[key] = key
    return resolve


def load_responses(
    session: Session,
    sources: Iterable[str] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[Response]:
    """Complete responses with their numeric answers, attributed through the roster."""
    resolve = person_resolver(session)
    people = {
        p: (t, w)
        for p, t, w in session.execute(select(Person.person_key, Person.team, Person.wave))
    }
    query = select(SurveyResponse).where(SurveyResponse.complete.is_(True))
    wanted = list(sources or [])
    if wanted:
        query = query.where(SurveyResponse.source.in_(wanted))
    if since is not None:
        query = query.where(SurveyResponse.day >= since)
    if until is not None:
        query = query.where(SurveyResponse.day <= until)
    responses: dict[int, Response] = {}
    for r in session.scalars(query.order_by(SurveyResponse.id)):
        person = resolve.get(r.user_key) if r.user_key else None
        in_roster = person in people
        team, wave = people[person] if in_roster else (r.team, None)
        responses[r.id] = Response(
            r.id, r.ref, r.source, r.round, r.day, person or r.user_key, team, wave, in_roster
        )
    if not responses:
        return []
    ids = list(responses)
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for response_id, instrument, item, value in session.execute(
            select(
                SurveyAnswer.response_id,
                SurveyAnswer.instrument,
                SurveyAnswer.item,
                SurveyAnswer.value,
            ).where(
                SurveyAnswer.response_id.in_(chunk),
                SurveyAnswer.instrument.in_(SCORED),
                SurveyAnswer.value.is_not(None),
            )
        ):
            responses[response_id].answers.setdefault(instrument, {})[item] = value
    return list(responses.values())


def score_responses(
    responses: list[Response], settings: SurveySettings, min_responses: int | None = None
) -> dict[str, scoring.Score]:
    """Every instrument answered in ``responses``, scored (instruments without answers left out).

    NPS reads each response's first NPS question only; CSAT and CES read every answer to their
    questions; SUS and UMUX-Lite score each complete response.
    """
    need = settings.min_responses if min_responses is None else min_responses
    conf = settings.confidence
    out: dict[str, scoring.Score] = {}
    nps_values = [r.answers["nps"][1] for r in responses if 1 in r.answers.get("nps", {})]
    if nps_values:
        out["nps"] = scoring.score_nps(nps_values, need, conf)
    csat_values = [v for r in responses for v in r.answers.get("csat", {}).values()]
    if csat_values:
        out["csat"] = scoring.score_csat(csat_values, need, conf)
    ces_values = [v for r in responses for v in r.answers.get("ces", {}).values()]
    if ces_values:
        out["ces"] = scoring.score_ces(
            ces_values, need, mode=settings.ces.mode, scale_max=settings.ces.scale, confidence=conf
        )
    for instrument in ("sus", "umux_lite"):
        sets = [(r.ref, r.answers[instrument]) for r in responses if instrument in r.answers]
        if sets:
            out[instrument] = scoring.score_per_response(instrument, sets, need, conf)
    return out


def period_of(day: dt.date, period: str) -> str:
    """``2026-05`` (month) or ``2026-W22`` (ISO week) of a day."""
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def _suppression(
    session: Session, responses: list[Response], min_group_size: int
) -> tuple[set[str], set[str], bool, list[str], bool]:
    """Teams and waves to suppress, whether people without a wave are left out, the suppressed
    scope names, and whether ``all`` is suppressed."""
    population = publishable_population(session, min_group_size)
    roster_teams = set(session.scalars(select(Person.team).distinct()))
    teams = set(population.excluded_teams)
    respondents: dict[str, set[str]] = defaultdict(set)
    for r in responses:
        if r.team is not None and r.team not in roster_teams:
            respondents[r.team].add(r.person_key or f"response:{r.id}")
    small = {t for t, who in respondents.items() if len(who) < min_group_size}
    teams |= small
    suppressed = sorted({*population.suppressed, *(f"team:{t}" for t in small)})
    kept = [r for r in responses if r.team not in teams]
    hide_all = ("all" in population.suppressed and bool(roster_teams)) or (
        not roster_teams and len(kept) < min_group_size
    )
    if hide_all and "all" not in suppressed:
        suppressed.insert(0, "all")
    elif not hide_all and "all" in suppressed:
        suppressed.remove("all")
    return teams, set(population.excluded_waves), population.exclude_no_wave, suppressed, hide_all


def survey_scores(
    session: Session,
    *,
    min_group_size: int,
    settings: SurveySettings | None = None,
    viewer: Viewer = MANAGER,
    sources: Iterable[str] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    breakdown: bool = True,
) -> SurveyResults:
    """Scores of every shown scope: overall, per round and per period (``settings.period``);
    overall only without ``breakdown`` (what a KPI snapshot reads).

    An ambassador gets ``all``, the waves and their own teams; other teams are not listed.
    """
    settings = settings or SurveySettings()
    responses = load_responses(session, sources, since, until)
    teams_out, waves_out, no_wave_out, suppressed, hide_all = _suppression(
        session, responses, min_group_size
    )
    kept = [
        r
        for r in responses
        if r.team not in teams_out
        and r.wave not in waves_out
        and not (no_wave_out and r.in_roster and r.wave is None)
    ]
    scopes: dict[str, list[Response]] = defaultdict(list)
    for r in kept:
        if not hide_all:
            scopes["all"].append(r)
        if r.team is not None and viewer.may_see_team(r.team):
            scopes[f"team:{r.team}"].append(r)
        if r.wave is not None:
            scopes[f"wave:{r.wave}"].append(r)
    rows: list[ScoreRow] = []

    def add(scope: str, round_: str | None, period: str | None, group: list[Response]) -> None:
        withheld = len(group) < min_group_size
        scores = {} if withheld else score_responses(group, settings)
        rows.append(ScoreRow(scope, round_, period, len(group), withheld, scores))

    for scope in _ordered(scopes):
        group = scopes[scope]
        add(scope, None, None, group)
        if not breakdown:
            continue
        by_round: dict[str, list[Response]] = defaultdict(list)
        by_period: dict[str, list[Response]] = defaultdict(list)
        for r in group:
            if r.round is not None:
                by_round[r.round].append(r)
            if r.day is not None:
                by_period[period_of(r.day, settings.period)].append(r)
        for round_ in sorted(by_round):
            add(scope, round_, None, by_round[round_])
        for period in sorted(by_period):
            add(scope, None, period, by_period[period])
    return SurveyResults(rows, suppressed)


def _ordered(scopes: Iterable[str]) -> list[str]:
    order = {"all": 0, "team": 1, "wave": 2}
    return sorted(scopes, key=lambda s: (order[s.split(":", 1)[0]], s))


def nps_by_person_and_response(session: Session) -> tuple[dict[str, float], dict[int, float]]:
    """Each roster person's latest NPS answer (first NPS question, complete responses), and
    each response's own: the reporters' NPS the backlog's impact reads."""
    resolve = person_resolver(session)
    by_person: dict[str, float] = {}
    by_response: dict[int, float] = {}
    rows = session.execute(
        select(SurveyResponse.id, SurveyResponse.user_key, SurveyAnswer.value)
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(
            SurveyResponse.complete.is_(True),
            SurveyAnswer.instrument == "nps",
            SurveyAnswer.item == 1,
            SurveyAnswer.value.is_not(None),
        )
        .order_by(SurveyResponse.day.is_(None), SurveyResponse.day, SurveyResponse.id)
    )
    for response_id, user_key, value in rows:
        by_response[response_id] = value
        if user_key:
            by_person[resolve.get(user_key, user_key)] = value  # later responses win
    return by_person, by_response
