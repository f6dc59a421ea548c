"""People's work on the backlog: status, owner, note, effort and impact of items; merging and
unmerging themes. Every change is stored in ``feedback_edits`` with who and when.

Each function takes the ``Viewer`` who acts and refuses, with ``EditRefused`` naming the teams,
when ``viewer.may_edit_team`` is false for an item it would touch: managers edit everything,
ambassadors their own teams' items, support leads nothing. A theme-wide edit by an ambassador
changes the items of their teams only; a merge or an unmerge needs every item it moves to be
editable by the viewer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from metrics.store.models import FeedbackEdit, FeedbackItem, FeedbackTheme
from metrics.viewer import Viewer
from surveys.backlog import STATUS_LABELS, STATUSES
from surveys.feedback import lock_backlog
from surveys.priority import IMPACT_LABELS, IMPACT_RUBRIC
from surveys.text import fold
from surveys.themes import relabel

EDITABLE = ("status", "owner", "note", "effort", "impact")


class EditRefused(PermissionError):
    """The viewer may not make this change; ``str()`` says which teams and why."""


def actor(viewer: Viewer) -> str:
    """How the history names the viewer: their e-mail, else their role."""
    return viewer.email or viewer.role


def parse_status(text: str) -> str:
    """``in_progress``, ``in progress``, ``En cours``, ``won't do``… → the status code."""
    folded = " ".join(fold(text).replace("’", "'").replace("_", " ").split())
    for code in STATUSES:
        names = {code.replace("_", " "), *(fold(labels[code]) for labels in STATUS_LABELS.values())}
        if folded in names or folded.replace("'", "") in {n.replace("'", "") for n in names}:
            return code
    raise ValueError(f"{text!r} is not a status; expected one of {', '.join(STATUSES)}")


def check_change(name: str, value: Any) -> Any:
    """The value to store for one field, or ValueError naming what is expected."""
    if name not in EDITABLE:
        raise ValueError(f"{name!r} cannot be edited; expected one of {', '.join(EDITABLE)}")
    if value is None or (isinstance(value, str) and not value.strip()):
        if name == "status":
            raise ValueError("status cannot be empty")
        return None
    if name == "status":
        return parse_status(str(value))
    if name in ("owner", "note"):
        text = str(value).strip()
        limit = 200 if name == "owner" else 4000
        if len(text) > limit:
            raise ValueError(f"{name} is limited to {limit} characters")
        return text
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise ValueError(f"{name} must be a number, found {value!r}") from None
    if name == "effort" and not number > 0:
        raise ValueError(f"effort must be a positive number, found {value!r}")
    if name == "impact" and number not in IMPACT_RUBRIC:
        listed = ", ".join(f"{v:g} ({IMPACT_LABELS[v]})" for v in IMPACT_RUBRIC)
        raise ValueError(f"impact must be one of {listed}, found {value!r}")
    return number


def _refuse_unless_editable(viewer: Viewer, items: Iterable[FeedbackItem], what: str) -> None:
    refused = sorted({i.team or "(no team)" for i in items if not viewer.may_edit_team(i.team)})
    if refused:
        own = ", ".join(sorted(viewer.teams)) or "no team"
        rights = (
            "support leads read the backlog but do not edit it"
            if viewer.role == "support"
            else f"an ambassador edits only the items of {own}"
        )
        raise EditRefused(f"{actor(viewer)} may not {what} items of {', '.join(refused)}: {rights}")


def _load(session: Session, item_ids: Iterable[int]) -> list[FeedbackItem]:
    ids = sorted(set(item_ids))
    items = list(session.scalars(select(FeedbackItem).where(FeedbackItem.id.in_(ids))))
    missing = sorted(set(ids) - {i.id for i in items})
    if missing:
        raise ValueError(f"no feedback item {', '.join(map(str, missing))}")
    return items


def _log(session: Session, viewer: Viewer, now: dt.datetime, **values: Any) -> FeedbackEdit:
    edit = FeedbackEdit(by=actor(viewer), at=now, **values)
    session.add(edit)
    return edit


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def edit_items(
    session: Session,
    viewer: Viewer,
    item_ids: Iterable[int],
    changes: dict[str, Any],
    now: dt.datetime | None = None,
) -> list[FeedbackEdit]:
    """Apply ``changes`` (field → value) to every item, all or none; returns the edits stored
    (a value equal to the current one is not an edit)."""
    now = now or dt.datetime.now(dt.UTC)
    checked = {name: check_change(name, value) for name, value in changes.items()}
    lock_backlog(session)
    items = _load(session, item_ids)
    _refuse_unless_editable(viewer, items, "edit")
    edits = []
    for item in items:
        for name, value in checked.items():
            old = getattr(item, name)
            if old == value:
                continue
            setattr(item, name, value)
            edits.append(
                _log(
                    session,
                    viewer,
                    now,
                    item_id=item.id,
                    theme_id=item.theme_id,
                    action="edit",
                    field=name,
                    old_value=_text(old),
                    new_value=_text(value),
                )
            )
        if any(e.item_id == item.id for e in edits):
            item.updated_at, item.updated_by = now, actor(viewer)
    session.flush()
    return edits


def edit_theme(
    session: Session,
    viewer: Viewer,
    theme_id: int,
    changes: dict[str, Any],
    now: dt.datetime | None = None,
) -> list[FeedbackEdit]:
    """Apply ``changes`` to the items of a theme the viewer may edit (all of them for a manager,
    their teams' for an ambassador); refused when there is none."""
    items = list(session.scalars(select(FeedbackItem).where(FeedbackItem.theme_id == theme_id)))
    if not items:
        raise ValueError(f"no theme {theme_id} (or it has no item)")
    mine = [i for i in items if viewer.may_edit_team(i.team)]
    if not mine:
        _refuse_unless_editable(viewer, items, "edit")
    return edit_items(session, viewer, [i.id for i in mine], changes, now)


def merge_themes(
    session: Session,
    viewer: Viewer,
    into: int,
    others: Iterable[int],
    now: dt.datetime | None = None,
) -> FeedbackTheme:
    """Move every item of ``others`` into theme ``into``; the items are locked there (a new run
    of the themes keeps them), and the emptied themes are removed."""
    now = now or dt.datetime.now(dt.UTC)
    lock_backlog(session)
    target = session.get(FeedbackTheme, into)
    if target is None:
        raise ValueError(f"no theme {into}")
    other_ids = sorted(set(others) - {into})
    found = set(session.scalars(select(FeedbackTheme.id).where(FeedbackTheme.id.in_(other_ids))))
    if set(other_ids) - found:
        raise ValueError(f"no theme {', '.join(map(str, sorted(set(other_ids) - found)))}")
    moved = list(
        session.scalars(select(FeedbackItem).where(FeedbackItem.theme_id.in_([into, *other_ids])))
    )
    _refuse_unless_editable(viewer, moved, "merge")
    for item in moved:
        if item.theme_id != into:
            _log(
                session,
                viewer,
                now,
                item_id=item.id,
                theme_id=into,
                action="merge",
                field="theme_id",
                old_value=str(item.theme_id),
                new_value=str(into),
            )
        item.theme_id, item.theme_locked = into, True
    target.manual = True
    for theme_id in other_ids:
        theme = session.get(FeedbackTheme, theme_id)
        if theme is not None:
            session.delete(theme)
    session.flush()
    _relabel(session, [target], now)
    return target


def unmerge_items(
    session: Session, viewer: Viewer, item_ids: Iterable[int], now: dt.datetime | None = None
) -> FeedbackTheme:
    """Take items out of their theme into a theme of their own, locked there."""
    now = now or dt.datetime.now(dt.UTC)
    lock_backlog(session)
    items = _load(session, item_ids)
    _refuse_unless_editable(viewer, items, "unmerge")
    theme = FeedbackTheme(label="", manual=True, created_at=now, updated_at=now)
    session.add(theme)
    session.flush()
    left = {i.theme_id for i in items if i.theme_id is not None}
    for item in items:
        _log(
            session,
            viewer,
            now,
            item_id=item.id,
            theme_id=theme.id,
            action="unmerge",
            field="theme_id",
            old_value=_text(item.theme_id),
            new_value=str(theme.id),
        )
        item.theme_id, item.theme_locked = theme.id, True
    session.flush()
    remaining = [t for t in (session.get(FeedbackTheme, i) for i in left) if t is not None]
    _relabel(session, [theme, *remaining], now)
    return theme


def release_items(
    session: Session, viewer: Viewer, item_ids: Iterable[int], now: dt.datetime | None = None
) -> None:
    """Give items back to the automatic themes (the next run may move them)."""
    now = now or dt.datetime.now(dt.UTC)
    lock_backlog(session)
    items = _load(session, item_ids)
    _refuse_unless_editable(viewer, items, "release")
    for item in items:
        if item.theme_locked:
            _log(session, viewer, now, item_id=item.id, theme_id=item.theme_id, action="release")
            item.theme_locked = False
    session.flush()


def _relabel(session: Session, themes: list[FeedbackTheme], now: dt.datetime) -> None:
    items = list(session.scalars(select(FeedbackItem).order_by(FeedbackItem.id)))
    relabel(session, themes, items, now)
    used = {i.theme_id for i in items}
    for theme in themes:
        if theme.id not in used:
            session.delete(theme)
    session.flush()


def history(
    session: Session, viewer: Viewer, item_id: int | None = None, theme_id: int | None = None
) -> list[FeedbackEdit]:
    """The edits, newest first, of an item, a theme or the whole backlog, as the viewer may read
    them (an ambassador: edits of their teams' items)."""
    query = select(FeedbackEdit).order_by(FeedbackEdit.at.desc(), FeedbackEdit.id.desc())
    if item_id is not None:
        query = query.where(FeedbackEdit.item_id == item_id)
    if theme_id is not None:
        query = query.where(FeedbackEdit.theme_id == theme_id)
    edits = list(session.scalars(query))
    if viewer.sees_all_teams:
        return edits
    teams = dict(session.execute(select(FeedbackItem.id, FeedbackItem.team)).all())
    return [e for e in edits if e.item_id in teams and viewer.may_see_team(teams[e.item_id])]
