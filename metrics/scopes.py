"""Scopes (all, a team, a wave) and the privacy rule that suppresses small ones."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, func, select, true
from sqlalchemy.orm import Session

from metrics.store.models import Person

GROUPINGS = ("all", "team", "wave")


@dataclass(frozen=True, order=True)
class Scope:
    """``all``, ``team:<name>`` or ``wave:<name>``."""

    kind: str
    value: str | None = None

    def __str__(self) -> str:
        return "all" if self.kind == "all" else f"{self.kind}:{self.value}"

    @classmethod
    def parse(cls, text: str) -> Scope:
        """Read ``all``, ``team:X`` or ``wave:Y``; raises ValueError otherwise."""
        if text == "all":
            return ALL
        kind, sep, value = text.partition(":")
        if not sep or kind not in ("team", "wave") or not value:
            raise ValueError(f"{text!r} is not a scope (expected all, team:<name> or wave:<name>)")
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


def licensed_counts(session: Session) -> dict[Scope, int]:
    """Licensed users of every scope that has roster people (zero-licence scopes included)."""
    counts: dict[Scope, int] = {ALL: 0}
    licensed = func.sum(Person.licensed.cast(Integer))
    counts[ALL] = int(session.scalar(select(func.coalesce(licensed, 0))) or 0)
    for grouping in ("team", "wave"):
        column = group_column(grouping)
        rows = session.execute(
            select(column, func.coalesce(licensed, 0)).where(column.is_not(None)).group_by(column)
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
