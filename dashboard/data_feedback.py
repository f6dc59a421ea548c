"""The dashboard's way to the feedback backlog (the Retours / Feedback page). Same rules as
``data.py``: cached reads, no SQL, every public function takes the ``Viewer``.

* ``backlog`` brings the items and themes up to date with what was collected (at most once a
  minute, the cache's life), then ranks them as the viewer may read them
  (``surveys.backlog.build_backlog`` scopes an ambassador to their teams' items). On top of that
  scoping, an ambassador's entries name only their own teams: other teams are one count. No
  entry names a team the minimum group size suppresses (its items stay, without their team).
* ``save_edits`` applies the table's changes through ``surveys.workflow`` with the viewer who
  acts, all or nothing, and clears the cached backlog; ``EditRefused`` (with its reason) and
  ``ValueError`` (a value the workflow does not accept) reach the page unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import streamlit as st

from dashboard.data import TTL_SECONDS, get_store, require
from metrics.viewer import Viewer
from surveys.backlog import Backlog, build_backlog, refresh_backlog
from surveys.export import to_csv
from surveys.settings import BacklogSettings, backlog_settings
from surveys.workflow import edit_items, edit_theme, merge_themes, release_items, unmerge_items

if TYPE_CHECKING:
    from hypercare.config import Config

READERS = ("manager", "ambassador", "support")
OTHER_TEAMS = "other teams"


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _backlog(
    store_url: str,
    settings_key: str,
    timezone: str,
    role: str,
    teams: tuple[str, ...],
    email: str | None,
    min_group_size: int,
    _settings: BacklogSettings,
) -> Backlog:
    viewer = Viewer(role, frozenset(teams), email)
    store = get_store(store_url)
    with store.session() as session:
        refresh_backlog(session, _settings, timezone)
    with store.session() as session:
        backlog = build_backlog(session, _settings, viewer, min_group_size=min_group_size)
    if viewer.sees_all_teams:
        return backlog
    entries = []
    for e in backlog.entries:
        own = sorted({f.team for f in e.feedback if f.team})
        hidden = sum(e.other_teams.values())
        entries.append(
            replace(
                e,
                teams=own,
                other_teams={OTHER_TEAMS: hidden} if hidden else {},
            )
        )
    return Backlog(entries, backlog.scoring)


def backlog(config: Config, viewer: Viewer) -> Backlog:
    """The ranked backlog as ``viewer`` may read it (see the module)."""
    require(viewer, *READERS)
    settings = backlog_settings(config)
    return _backlog(
        config.store_url,
        repr(settings),
        config.timezone,
        viewer.role,
        tuple(sorted(viewer.teams)),
        viewer.email,
        config.privacy.min_group_size,
        settings,
    )


def backlog_csv(config: Config, viewer: Viewer) -> bytes:
    """The viewer's backlog as CSV (formula-looking cells neutralized by ``surveys.export``),
    with a BOM so that a spreadsheet reads the accents."""
    return ("\ufeff" + to_csv(backlog(config, viewer))).encode("utf-8")


def save_edits(config: Config, viewer: Viewer, edits: Iterable[tuple[str, dict[str, Any]]]) -> int:
    """Apply ``(key, changes)`` pairs — key ``theme:<id>`` or ``item:<id>`` — as ``viewer``,
    all or none; returns the number of field changes stored."""
    require(viewer, *READERS)
    stored = 0
    try:
        with get_store(config.store_url).session() as session:
            for key, changes in edits:
                kind, _, number = key.partition(":")
                if kind == "theme":
                    stored += len(edit_theme(session, viewer, int(number), changes))
                elif kind == "item":
                    stored += len(edit_items(session, viewer, [int(number)], changes))
                else:
                    raise ValueError(f"{key!r} is not a backlog entry")
    finally:
        _backlog.clear()
    return stored


def regroup(
    config: Config,
    viewer: Viewer,
    action: str,
    *,
    into: int | None = None,
    themes: Iterable[int] = (),
    items: Iterable[int] = (),
) -> int | None:
    """Correct the automatic themes as ``viewer``: ``merge`` the ``themes`` into theme ``into``,
    ``unmerge`` the ``items`` into a theme of their own, or ``release`` them back to the
    automatic themes. Returns the theme the items are in now (None for release); the workflow's
    ``EditRefused`` (an item of a team the viewer may not edit) reaches the page unchanged."""
    require(viewer, "manager", "ambassador")
    try:
        with get_store(config.store_url).session() as session:
            if action == "merge":
                if into is None:
                    raise ValueError("merge: choose the theme to merge into")
                return merge_themes(session, viewer, into, list(themes)).id
            if action == "unmerge":
                return unmerge_items(session, viewer, list(items)).id
            if action == "release":
                release_items(session, viewer, list(items))
                return None
            raise ValueError(f"{action!r} is not merge, unmerge or release")
    finally:
        _backlog.clear()
