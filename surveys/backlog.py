"""The prioritized backlog: one entry per theme (or lone item), the urgent lane first.

``refresh_backlog`` brings the items and themes up to date with what was collected;
``build_backlog`` ranks them for a viewer. Entries are ranked by lane — ``urgent`` (a ticket at
an urgent priority or an urgent word in a text, configurable), then ``backlog``, then
``closed`` (done or won't do) — and within a lane by score, then reach. Every feedback item is
under exactly one entry.

An ambassador gets the entries that hold at least one item of their teams, with only those
items: other teams' items are counted per team (``other_teams``), never shown, and the entry's
title and label are taken from the items they may read. Ranks stay those of the whole backlog.

Given the minimum group size, the backlog never names a team the privacy rule suppresses
(``metrics.scopes.publishable_population``): its people's items stay in the backlog (nothing is
lost) but without their team — ``team`` is None and the entry's teams and team count leave it
out — so that no reader can tell what a team of three or four people said.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from metrics.scopes import publishable_population
from metrics.store.models import FeedbackItem, FeedbackTheme
from metrics.viewer import MANAGER, Viewer
from surveys import priority
from surveys.feedback import SyncResult, sync_feedback
from surveys.instruments import nps
from surveys.results import nps_by_person_and_response
from surveys.settings import BacklogSettings
from surveys.text import contains_phrase, fold, tokens
from surveys.themes import ThemeRun, refresh_themes

STATUSES = ("new", "triaged", "planned", "in_progress", "done", "wont_do")
STATUS_LABELS = {
    "fr": {
        "new": "nouveau",
        "triaged": "trié",
        "planned": "planifié",
        "in_progress": "en cours",
        "done": "fait",
        "wont_do": "ne sera pas fait",
    },
    "en": {
        "new": "new",
        "triaged": "triaged",
        "planned": "planned",
        "in_progress": "in progress",
        "done": "done",
        "wont_do": "won't do",
    },
}
CLOSED = frozenset({"done", "wont_do"})
LANES = ("urgent", "backlog", "closed")
NO_TEAM = "(no team)"


@dataclass(frozen=True)
class FeedbackRef:
    """One item as its entry lists it."""

    id: int
    source: str
    kind: str
    ref: str
    date: dt.date | None
    team: str | None
    title: str
    text: str
    link: str | None
    status: str
    owner: str | None
    note: str | None
    effort: float | None
    impact: float | None
    duplicate_of: int | None

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "kind": self.kind,
            "ref": self.ref,
            "date": self.date.isoformat() if self.date else None,
            "id": self.id,
            "team": self.team,
            "title": self.title,
            "text": self.text,
            "link": self.link,
            "status": self.status,
            "owner": self.owner,
            "note": self.note,
            "effort": self.effort,
            "duplicate_of": self.duplicate_of,
        }


@dataclass
class Entry:
    """A theme (or a lone item) with its scores and the feedback behind it."""

    theme_id: int | None
    title: str
    theme: str
    lane: str
    score: float
    scoring: str
    people: int
    team_count: int
    reach: float
    impact: float
    confidence: float
    effort: float
    effort_set: bool
    value: float
    status: str
    owner: str | None
    teams: list[str]
    feedback: list[FeedbackRef]
    urgent_reasons: list[str]
    reporters_nps: float | None
    quick_win: bool = False
    rank: int = 0
    other_teams: dict[str, int] = field(default_factory=dict)
    reason_items: list[int] = field(default_factory=list)  # the item of each urgent reason

    def as_dict(self) -> dict[str, object]:
        """The contract's shape (CONTRACT.md, Backlog JSON), with a few more keys."""
        return {
            "rank": self.rank,
            "lane": self.lane,
            "title": self.title,
            "theme": self.theme,
            "score": self.score,
            "scoring": self.scoring,
            "reach": {"people": self.people, "teams": self.team_count},
            "impact": self.impact,
            "confidence": self.confidence,
            "effort": self.effort,
            "quick_win": self.quick_win,
            "status": self.status,
            "owner": self.owner,
            "teams": self.teams,
            "feedback": [f.as_dict() for f in self.feedback],
            "id": self.theme_id,
            "value": round(self.value, 2),
            "urgent_reasons": self.urgent_reasons,
            "reporters_nps": self.reporters_nps,
            "other_teams": self.other_teams,
        }


@dataclass(frozen=True)
class Backlog:
    entries: list[Entry]
    scoring: str

    def as_dict(self) -> dict[str, object]:
        return {"scoring": self.scoring, "entries": [e.as_dict() for e in self.entries]}


def refresh_backlog(
    session: Session,
    settings: BacklogSettings,
    tz: ZoneInfo | str = "Europe/Paris",
    now: dt.datetime | None = None,
) -> tuple[SyncResult, ThemeRun]:
    """Items from what was collected, then themes; in the caller's transaction."""
    synced = sync_feedback(session, settings, tz, now)
    return synced, refresh_themes(session, settings, now)


def urgent_reasons(item: FeedbackItem, settings: BacklogSettings) -> list[str]:
    """Why an item belongs in the urgent lane: its ticket priority, its urgent words."""
    reasons = []
    if item.kind == "ticket" and settings.is_urgent_priority(item.priority):
        reasons.append(f"{item.ref}: priority {item.priority}")
    for phrase in settings.urgent_keywords:
        if contains_phrase(item.text, phrase):
            reasons.append(f"{item.ref}: “{phrase}”")
            break
    return reasons


def entry_status(statuses: list[str]) -> str:
    """An entry is as far along as its least advanced item (won't-do items aside, unless all
    are)."""
    active = [s for s in statuses if s != "wont_do"]
    if not active:
        return "wont_do"
    return min(active, key=STATUSES.index)


def _owner(items: list[FeedbackItem]) -> str | None:
    owners = Counter(i.owner for i in items if i.owner)
    if not owners:
        return None
    latest = max(
        (i for i in items if i.owner),
        key=lambda i: (i.updated_at is not None, i.updated_at or dt.datetime.min, i.id),
    )
    top = max(owners.values())
    tied = [o for o, n in owners.items() if n == top]
    return latest.owner if latest.owner in tied else sorted(tied)[0]


def _people(items: list[FeedbackItem]) -> int:
    ids = {i.id for i in items}
    known = {i.person_key for i in items if i.person_key}
    anonymous = [i for i in items if not i.person_key and i.duplicate_of not in ids]
    return len(known) + len(anonymous)


def _reporters_nps(
    items: list[FeedbackItem], by_person: dict[str, float], by_response: dict[int, float]
) -> list[float]:
    values: dict[object, float] = {}
    for i in items:
        if i.person_key and i.person_key in by_person:
            values[i.person_key] = by_person[i.person_key]
        elif i.kind == "survey" and i.origin_id in by_response:
            values[i.person_key or ("response", i.origin_id)] = by_response[i.origin_id]
    return list(values.values())


def _ref(item: FeedbackItem, hidden: frozenset[str] = frozenset()) -> FeedbackRef:
    return FeedbackRef(
        item.id,
        item.source,
        item.kind,
        item.ref,
        item.day,
        None if item.team in hidden else item.team,
        item.title or item.text[:90],
        item.text,
        item.link,
        item.status,
        item.owner,
        item.note,
        item.effort,
        item.impact,
        item.duplicate_of,
    )


def _entry(
    items: list[FeedbackItem],
    theme: FeedbackTheme | None,
    settings: BacklogSettings,
    nps_maps: tuple[dict[str, float], dict[int, float]],
    hidden: frozenset[str] = frozenset(),
) -> Entry:
    items = sorted(items, key=lambda i: (i.day or dt.date.max, i.id))
    reasons = [(i.id, r) for i in items for r in urgent_reasons(i, settings)]
    status = entry_status([i.status for i in items])
    lane = "closed" if status in CLOSED else "urgent" if reasons else "backlog"
    teams = sorted({i.team for i in items if i.team and i.team not in hidden})
    people = _people(items)
    reach = priority.reach(people, len(teams))
    nps_values = _reporters_nps(items, *nps_maps)
    overrides = [i.impact for i in items if i.impact is not None]
    impact = (
        max(overrides)
        if overrides
        else priority.rubric_impact(
            urgent=bool(reasons),
            high_priority=any(
                i.kind == "ticket" and settings.is_high_priority(i.priority) for i in items
            ),
            reporters_nps=nps_values,
        )
    )
    confidence = priority.confidence(i.kind for i in items)
    efforts = [i.effort for i in items if i.effort is not None]
    effort = max(efforts) if efforts else settings.default_effort
    return Entry(
        theme_id=theme.id if theme else None,
        title=(theme.title if theme and theme.title else items[0].title or items[0].text[:90]),
        theme=theme.label if theme else " ".join(tokens(items[0].text)[:3]),
        lane=lane,
        score=priority.score(settings.scoring, reach, impact, confidence, effort),
        scoring=settings.scoring,
        people=people,
        team_count=len(teams),
        reach=reach,
        impact=impact,
        confidence=confidence,
        effort=effort,
        effort_set=bool(efforts),
        value=priority.value(reach, impact),
        status=status,
        owner=_owner(items),
        teams=teams,
        feedback=[_ref(i, hidden) for i in items],
        urgent_reasons=[r for _, r in reasons],
        reason_items=[i for i, _ in reasons],
        reporters_nps=nps(nps_values),
    )


def build_backlog(
    session: Session,
    settings: BacklogSettings,
    viewer: Viewer = MANAGER,
    *,
    min_group_size: int | None = None,
) -> Backlog:
    """The ranked backlog as ``viewer`` may read it; with ``min_group_size``, no suppressed
    team is named (see the module)."""
    hidden = (
        publishable_population(session, min_group_size).excluded_teams
        if min_group_size
        else frozenset()
    )
    items = list(session.scalars(select(FeedbackItem).order_by(FeedbackItem.id)))
    themes = {t.id: t for t in session.scalars(select(FeedbackTheme))}
    groups: dict[tuple[str, int], list[FeedbackItem]] = defaultdict(list)
    for item in items:
        if item.theme_id in themes:
            groups[("theme", item.theme_id)].append(item)
        else:
            groups[("item", item.id)].append(item)
    nps_maps = nps_by_person_and_response(session)
    entries = [
        _entry(group, themes.get(key[1]) if key[0] == "theme" else None, settings, nps_maps, hidden)
        for key, group in groups.items()
    ]
    open_values = [e.value for e in entries if e.lane != "closed"]
    median = statistics.median(open_values) if open_values else 0.0
    for e in entries:
        e.quick_win = e.lane != "closed" and priority.is_quick_win(
            e.value, e.effort if e.effort_set else None, median, settings.quick_win_max_effort
        )
    entries.sort(
        key=lambda e: (
            LANES.index(e.lane),
            -e.score,
            -e.reach,
            min((f.date for f in e.feedback if f.date), default=dt.date.max),
            e.theme_id or 0,
        )
    )
    for rank, e in enumerate(entries, start=1):
        e.rank = rank
    if not viewer.sees_all_teams:
        entries = [s for e in entries if (s := scoped(e, viewer)) is not None]
    return Backlog(entries, settings.scoring)


def scoped(entry: Entry, viewer: Viewer) -> Entry | None:
    """``entry`` as ``viewer`` may read it: their teams' items only, the others counted per
    team; None when no item is theirs."""
    visible = [f for f in entry.feedback if viewer.may_see_team(f.team)]
    if not visible:
        return None
    hidden = Counter(f.team or NO_TEAM for f in entry.feedback if not viewer.may_see_team(f.team))
    if not hidden:
        return entry
    titles = {f.title for f in visible}
    title = entry.title if entry.title in titles else visible[0].title
    words = {w for f in visible for w in tokens(f.text)}
    label_terms = [t for t in entry.theme.split() if t in words]
    label = " ".join(label_terms) or " ".join(fold(visible[0].title).split()[:3])
    shown = {f.id for f in visible}
    kept = [
        (i, r) for i, r in zip(entry.reason_items, entry.urgent_reasons, strict=True) if i in shown
    ]
    return Entry(
        **{
            **entry.__dict__,
            "title": title,
            "theme": label,
            "feedback": visible,
            "urgent_reasons": [r for _, r in kept],
            "reason_items": [i for i, _ in kept],
            "other_teams": dict(sorted(hidden.items())),
        }
    )
