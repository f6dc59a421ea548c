"""Scopes (all, a team, a wave) and the privacy rule that suppresses small ones."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, and_, func, or_, select, true
from sqlalchemy.orm import Session

from metrics.store.models import Person

GROUPINGS = ("all", "team", "wave")
SCOPE_KINDS = ("team", "wave", "feature")  # the kinds of named scopes


@dataclass(frozen=True, order=True)
class Scope:
    """``all``, ``team:<name>``, ``wave:<name>`` or ``feature:<name>``.

    A feature scope is the company's activity in one feature (``metrics/feature_kpis.py``), not
    a group of people: its ``people_filter`` selects everyone.
    """

    kind: str
    value: str | None = None

    def __str__(self) -> str:
        return "all" if self.kind == "all" else f"{self.kind}:{self.value}"

    @classmethod
    def parse(cls, text: str) -> Scope:
        """Read ``all``, ``team:X``, ``wave:Y`` or ``feature:Z``; raises ValueError otherwise."""
        if text == "all":
            return ALL
        kind, sep, value = text.partition(":")
        if not sep or kind not in SCOPE_KINDS or not value:
            raise ValueError(
                f"{text!r} is not a scope (expected all, team:<name>, wave:<name> or "
                "feature:<name>)"
            )
        return cls(kind, value)

    def people_filter(self) -> ColumnElement[bool]:
        """The SQL condition selecting the roster people of this scope."""
        if self.kind == "team":
            return Person.team == self.value
        if self.kind == "wave":
            return Person.wave == self.value
        return true()


ALL = Scope("all")


def group_column(grouping: str):
    """The roster column a grouping splits people by."""
    return {"team": Person.team, "wave": Person.wave}[grouping]


def licensed_counts(
    session: Session, population: ColumnElement[bool] | None = None
) -> dict[Scope, int]:
    """Licensed users of every scope that has roster people (zero-licence scopes included),
    counting only the people ``population`` selects."""
    counts: dict[Scope, int] = {ALL: 0}
    licensed = func.sum(Person.licensed.cast(Integer))
    where = population if population is not None else true()
    counts[ALL] = int(session.scalar(select(func.coalesce(licensed, 0)).where(where)) or 0)
    for grouping in ("team", "wave"):
        column = group_column(grouping)
        rows = session.execute(
            select(column, func.coalesce(licensed, 0))
            .where(column.is_not(None), where)
            .group_by(column)
        )
        for value, count in rows:
            counts[Scope(grouping, value)] = int(count or 0)
    return counts


def wave_order(session: Session) -> list[str]:
    """Waves ordered by their earliest go-live date, then name."""
    rows = session.execute(
        select(Person.wave, func.min(Person.go_live))
        .where(Person.wave.is_not(None))
        .group_by(Person.wave)
    ).all()
    return [w for w, _ in sorted(rows, key=lambda r: (r[1] is None, r[1] or 0, r[0]))]


def is_suppressed(licensed: int, min_group_size: int) -> bool:
    """A scope with fewer licensed users than the minimum group size is never shown."""
    return licensed < min_group_size


@dataclass(frozen=True)
class Population:
    """The roster people whose figures may be shown, and the scopes suppressed to protect the rest.

    Suppressing a small scope is not enough: ``all`` minus the shown teams would give the hidden
    team's figures back. So the people of every suppressed scope are left out of every figure —
    ``all``, teams and waves alike — and the rule is applied again until it holds (leaving people
    out may make another scope small). People without a wave are left out too when they are fewer
    than the minimum and waves are shown. People who are not in the roster are no scope's members
    and stay in ``all``'s activity counts.
    """

    excluded_teams: frozenset[str] = frozenset()
    excluded_waves: frozenset[str] = frozenset()
    exclude_no_wave: bool = False
    suppressed: tuple[str, ...] = ()

    def people_filter(self) -> ColumnElement[bool]:
        """The SQL condition selecting the people whose figures may be shown."""
        conditions = []
        if self.excluded_teams:
            conditions.append(Person.team.not_in(sorted(self.excluded_teams)))
        if self.excluded_waves:
            conditions.append(
                or_(Person.wave.is_(None), Person.wave.not_in(sorted(self.excluded_waves)))
            )
        if self.exclude_no_wave:
            conditions.append(Person.wave.is_not(None))
        return and_(true(), *conditions)

    def usage_filter(self) -> ColumnElement[bool]:
        """For usage outer-joined to people: non-roster users, or people who may be shown."""
        return or_(Person.person_key.is_(None), self.people_filter())


def publishable_population(session: Session, min_group_size: int) -> Population:
    """Which scopes to suppress and whose figures to leave out (see ``Population``)."""
    people = session.execute(select(Person.team, Person.wave, Person.licensed)).all()
    teams: set[str] = set()
    waves: set[str] = set()
    no_wave = False
    while True:
        kept = [
            p
            for p in people
            if p.team not in teams and p.wave not in waves and not (no_wave and p.wave is None)
        ]
        team_counts: dict[str, int] = {}
        wave_counts: dict[str, int] = {}
        no_wave_count, no_wave_people = 0, 0
        for p in kept:
            team_counts[p.team] = team_counts.get(p.team, 0) + int(bool(p.licensed))
            if p.wave is None:
                no_wave_count += int(bool(p.licensed))
                no_wave_people += 1
            else:
                wave_counts[p.wave] = wave_counts.get(p.wave, 0) + int(bool(p.licensed))
        small_teams = {t for t, n in team_counts.items() if n < min_group_size}
        small_waves = {w for w, n in wave_counts.items() if n < min_group_size}
        hide_no_wave = bool(
            no_wave_people and (wave_counts.keys() - small_waves) and no_wave_count < min_group_size
        )
        if not small_teams and not small_waves and (hide_no_wave == no_wave or not hide_no_wave):
            break
        teams |= small_teams
        waves |= small_waves
        no_wave = no_wave or hide_no_wave
    total = sum(team_counts.values())
    suppressed = [str(Scope("team", t)) for t in sorted(teams)]
    suppressed += [str(Scope("wave", w)) for w in sorted(waves)]
    if total < min_group_size:
        suppressed.insert(0, str(ALL))
    return Population(frozenset(teams), frozenset(waves), no_wave, tuple(suppressed))
