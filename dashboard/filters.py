"""The shared filters of the sidebar (language, as-of day, teams, waves) and the view they make.

Each widget has a ``key`` and is bound to the URL (``bind="query-params"``): the URL is read on
load and rewritten by the browser on change, so a view can be shared by its link (``?lang=EN
&as_of=2026-11-16&teams=ADV&teams=Achats&waves=pilote``). Values equal to the default stay out
of the URL; a bad value in the URL (unknown language, team or wave, not a date, a day after
today) is dropped by Streamlit and the widget falls back to its default.

The teams offered are those the viewer may see (an ambassador: their own); ``app.py`` builds the
:class:`View` once per run with :func:`sidebar_filters` and publishes it; pages read it with
:func:`current_view`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from dashboard import data
from dashboard.i18n import LOCALES, t
from dashboard.safe_text import md, md_join
from hypercare.config import Config
from metrics.report import today_in
from metrics.viewer import MANAGER, Viewer

LANG_KEY = "lang"
AS_OF_KEY = "as_of"
TEAMS_KEY = "teams"
WAVES_KEY = "waves"
_VIEW_KEY = "_hypercare_view"
EARLIEST_DAY = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class View:
    """What every page shows: the config, who reads, the language, the day, teams and waves."""

    config: Config
    locale: str
    as_of: dt.date
    teams: tuple[str, ...]
    all_teams: tuple[str, ...]
    waves: tuple[str, ...] = ()
    all_waves: tuple[str, ...] = ()
    viewer: Viewer = MANAGER
    local_mode: bool = True
    today: dt.date | None = None


def sidebar_filters(config: Config, viewer: Viewer = MANAGER, local_mode: bool = True) -> View:
    """Draw the shared filters in the sidebar and return the view they select."""
    today = today_in(config.tz)
    with st.sidebar:
        locale = st.segmented_control(
            "Langue · Language",  # readable whatever the current language
            LOCALES,
            default=config.locale,
            format_func=str.upper,
            required=True,
            key=LANG_KEY,
            bind="query-params",
        )
        locale = locale if locale in LOCALES else config.locale
        as_of = st.date_input(
            t("as_of", locale),
            value=today,
            min_value=EARLIEST_DAY,
            max_value=today,
            help=t("as_of_help", locale),
            # The company's convention, not the reader's language: a format change would
            # reset the widget when the language is switched.
            format="DD/MM/YYYY" if config.locale == "fr" else "YYYY-MM-DD",
            key=AS_OF_KEY,
            bind="query-params",
        )
        if not isinstance(as_of, dt.date):
            as_of = today
        all_teams, all_waves = data.shown_scopes(config, viewer)  # no report needed
        teams = st.multiselect(
            t("teams", locale),
            all_teams,
            default=all_teams,
            placeholder=t("teams_placeholder", locale),
            key=TEAMS_KEY,
            bind="query-params",
        )
        waves = st.multiselect(
            t("waves", locale),
            all_waves,
            default=all_waves,
            placeholder=t("waves_placeholder", locale),
            key=WAVES_KEY,
            bind="query-params",
        )
        _identity(viewer, local_mode, locale)
    return View(
        config=config,
        locale=locale,
        as_of=as_of,
        teams=tuple(team for team in teams if team in all_teams),
        all_teams=tuple(all_teams),
        waves=tuple(wave for wave in waves if wave in all_waves),
        all_waves=tuple(all_waves),
        viewer=viewer,
        local_mode=local_mode,
        today=today,
    )


def _identity(viewer: Viewer, local_mode: bool, locale: str) -> None:
    """Say who the app thinks is reading: the local mode, or the signed-in address and role."""
    if local_mode:
        st.caption(
            f":material/computer: **{t('local_mode', locale)}** — {t('local_mode_help', locale)}"
        )
        return
    role = t(f"role_{viewer.role}", locale)
    teams = f" ({md_join(sorted(viewer.teams))})" if viewer.teams else ""
    st.caption(f":material/person: {md(viewer.email)} · {role}{teams}")
    st.button(t("logout", locale), on_click=st.logout, key="logout")


def publish(view: View) -> None:
    """Make ``view`` the one the pages of this run read."""
    st.session_state[_VIEW_KEY] = view


def current_view() -> View:
    """The view ``app.py`` published for this run."""
    return st.session_state[_VIEW_KEY]
