"""The dashboard's way to the pulse surveys' follow-up (the Enquêtes / Surveys page). Same rules
as ``data.py``: cached reads, no SQL, every public function takes the ``Viewer``; an ambassador
gets their own teams only (rates, reminders and answers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard.data import TTL_SECONDS, get_store
from hypercare.config import Config
from metrics.scopes import publishable_population
from metrics.viewer import Viewer
from surveys import pulse


@dataclass(frozen=True)
class RoundInfo:
    key: str
    survey: str
    title_fr: str
    title_en: str
    label: str
    wave: str | None
    opens: dt.date
    closes: dt.date
    anonymous: bool


def _teams(viewer: Viewer) -> frozenset[str] | None:
    return None if viewer.sees_all_teams else frozenset(viewer.teams)


def rounds(config: Config) -> list[RoundInfo]:
    """Every round of the configured pulse surveys, by opening day."""
    with get_store(config.store_url).session() as session:
        found = pulse.rounds(session, config)
    return [
        RoundInfo(
            r.key,
            r.survey.id,
            r.survey.title.fr,
            r.survey.title.en,
            r.label,
            r.wave,
            r.opens,
            r.closes,
            r.survey.anonymous,
        )
        for r in found
    ]


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _status(
    store_url: str, key: str, min_group: int, teams: tuple[str, ...] | None, _config: Config
) -> tuple[int, int, pd.DataFrame, list[str], pd.DataFrame]:
    with get_store(store_url).session() as session:
        round_ = pulse.find_round(session, _config, key)
        if round_ is None:
            return 0, 0, pd.DataFrame(), [], pd.DataFrame()
        scope = None if teams is None else frozenset(teams)
        status = pulse.round_status(session, round_, min_group, scope)
        pending = pulse.reminders(session, round_, scope)
        hidden = publishable_population(session, min_group).excluded_teams
    rates = pd.DataFrame(
        [
            {"team": r.team, "asked": r.asked, "answered": r.answered, "rate": r.rate}
            for r in status.teams
        ],
        columns=["team", "asked", "answered", "rate"],
    )
    remind = pd.DataFrame(
        [
            {
                "person": i.name or i.person,
                "team": "" if i.team in hidden else i.team,  # a hidden team is never named
                "wave": i.wave or "",
            }
            for i in pending
        ],
        columns=["person", "team", "wave"],
    )
    return status.asked, status.answered, rates, status.suppressed, remind


def status(
    config: Config, viewer: Viewer, key: str
) -> tuple[int, int, pd.DataFrame, list[str], pd.DataFrame]:
    """(asked, answered, rate per team, teams suppressed, who to remind) of a round. An
    ambassador's asked and answered counts are their teams' only."""
    teams = _teams(viewer)
    asked, answered, rates, suppressed, remind = _status(
        config.store_url,
        key,
        config.privacy.min_group_size,
        None if teams is None else tuple(sorted(teams)),
        config,
    )
    if teams is not None:
        asked = int(rates["asked"].sum()) if not rates.empty else 0
        answered = int(rates["answered"].sum()) if not rates.empty else 0
    return asked, answered, rates, suppressed, remind


def answers(config: Config, viewer: Viewer, survey_id: str) -> pd.DataFrame:
    """The survey's answers, a row per response (the viewer's teams only for an ambassador)."""
    survey = pulse.survey_settings(config).pulse_survey(survey_id)
    if survey is None:
        return pd.DataFrame()
    with get_store(config.store_url).session() as session:
        header, rows = pulse.export_rows(session, survey, _teams(viewer))
        hidden = publishable_population(session, config.privacy.min_group_size).excluded_teams
    frame = pd.DataFrame(rows, columns=header)
    if hidden and "team" in frame.columns:  # answers stay; a hidden team is never named
        frame["team"] = frame["team"].where(~frame["team"].isin(hidden), "")
    return frame
