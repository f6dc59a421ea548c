"""dashboard.data and data_ops: what the pages receive, that small teams never are in it, and
that a viewer gets only what their role may read."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard import data, data_ops
from metrics.adoption import daily_series
from metrics.store import open_store
from metrics.viewer import MANAGER, Viewer

AMBASSADOR = Viewer("ambassador", frozenset({"Logistique"}))
SUPPORT = Viewer("support")
OTHERS = {"ADV", "Achats", "Commercial", "Comptabilité", "Direction"}


def test_the_snapshot_is_the_report_without_small_teams(demo):
    snap = data.snapshot(demo.config, demo.day, MANAGER)
    assert snap.suppressed == {"team": 1}
    assert "Direction" not in set(snap.scopes["name"].dropna())
    assert snap.team_names() == ["ADV", "Achats", "Commercial", "Comptabilité", "Logistique"]
    assert snap.wave_names() == ["pilote", "vague 1", "vague 2"]
    overall = snap.overall()
    assert overall is not None and overall["licensed_users"] > 100
    assert 0 < overall["adoption_rate"] < 1
    assert snap.other_teams == 0


@pytest.mark.parametrize(
    "viewer",
    [MANAGER, SUPPORT, AMBASSADOR, Viewer("ambassador", frozenset({"Direction", "ADV"}))],
    ids=["manager", "support", "ambassador", "ambassador-small-team"],
)
def test_the_sidebar_lists_the_scopes_of_the_report(demo, viewer):
    """The sidebar's filters list teams and waves without computing a report (every page draws
    them): the same teams and waves as the report shows this viewer, small ones left out."""
    snap = data.snapshot(demo.config, demo.day, viewer)
    waves = set(snap.scopes.loc[snap.scopes["kind"] == "wave", "name"])
    expected = (snap.team_names(), [w for w in snap.wave_names() if w in waves])
    assert data.shown_scopes(demo.config, viewer) == expected
    assert "Direction" not in data.shown_scopes(demo.config, viewer)[0]


def test_the_overall_of_an_earlier_day_is_the_reports(demo):
    """The overview and support pages compare with a week earlier through ``data.overall``
    (only the cards' KPIs of ``all``): the same figures as the report's."""
    codes = ("adoption_rate", "activation_rate", "error_rate", "tickets_open")
    for day in (demo.day, demo.day - dt.timedelta(days=7), demo.day - dt.timedelta(days=30)):
        report = data.snapshot(demo.config, day, MANAGER).overall()
        assert data.overall(demo.config, day, codes) == {code: report[code] for code in codes}
    assert data.overall(demo.config, demo.day, codes)["adoption_rate"] is not None


def test_a_partial_snapshot_has_the_snapshots_values(demo):
    """``compute.partial_snapshot`` runs only the calculators of the codes asked; each code alone
    gives the full snapshot's values for every team, wave and all."""
    from metrics import compute
    from metrics.kpis import COMPUTED
    from metrics.scopes import Scope

    _, settings = data.settings_of(demo.config)
    store = open_store(demo.config.store_url)
    try:
        with store.session() as session:
            full = compute.snapshot(session, settings, demo.day, features=False)
            for code in COMPUTED:
                part = compute.partial_snapshot(session, settings, demo.day, [code])
                got = {scope: values[code] for scope, values in part.items()}
                assert got == {scope: values[code] for scope, values in full.items()}, code
                assert Scope("all") in part
    finally:
        store.dispose()


def test_the_series_keep_only_the_scopes_the_report_shows(demo):
    config = demo.config
    start = demo.day - dt.timedelta(days=13)
    store = open_store(config.store_url)
    try:
        with store.session() as session:
            raw = {row["scope"] for row in daily_series(session, start, demo.day)}
    finally:
        store.dispose()
    assert "team:Direction" in raw  # the metrics layer computes it; the dashboard drops it

    series = data.user_kpi_series(config, start, demo.day, MANAGER)
    assert set(series["scope"]) == raw - {"team:Direction"}
    assert len(series) == 14 * len(set(series["scope"]))
    assert str(series["day"].dtype).startswith("datetime64")
    day = series[(series["scope"] == "all") & (series["day"] == str(demo.day))]
    snap = data.snapshot(config, demo.day, MANAGER)
    assert day["adoption_rate"].item() == snap.overall()["adoption_rate"]


def test_for_teams_keeps_the_whole_company_unless_asked(demo):
    snap = data.snapshot(demo.config, demo.day, MANAGER)
    assert set(data.for_teams(snap.scopes, ["ADV"])["scope"]) == {"all", "team:ADV"}
    assert set(data.for_teams(snap.scopes, ["ADV"], keep_all=False)["scope"]) == {"team:ADV"}
    assert data.for_teams(snap.scopes, [], keep_all=False).empty


def test_an_ambassador_receives_their_team_and_counts_of_the_others(demo):
    config, day = demo.config, demo.day
    snap = data.snapshot(config, day, AMBASSADOR)
    assert snap.team_names() == ["Logistique"]
    assert set(snap.scopes["kind"]) == {"all", "team", "wave", "feature"}
    assert snap.other_teams == 4  # ADV, Achats, Commercial, Comptabilité (Direction is hidden)
    assert 0 <= snap.other_teams_on_target <= 4

    start = day - dt.timedelta(days=20)
    frames = {
        "series": data.user_kpi_series(config, start, day, AMBASSADOR),
        "kpi": data.kpi_series(
            config, "adoption_rate", ["all", "team:ADV", "team:Logistique"], start, day, AMBASSADOR
        ),
        "bands": data.frequency_bands(config, day, AMBASSADOR),
        "lifecycle": data.lifecycle(config, start, day, AMBASSADOR),
        "features": data.feature_adoption(config, day, AMBASSADOR),
        "surveys": data.survey_scores(config, day, AMBASSADOR),
    }
    for name, frame in frames.items():
        if frame.empty:
            continue
        teams = set(frame.loc[frame["kind"] == "team", "name"])
        assert teams <= {"Logistique"}, name
        assert not (set(frame["scope"]) & {f"team:{t}" for t in OTHERS}), name
    assert set(frames["kpi"]["scope"]) == {"all", "team:Logistique"}


def test_operational_reads_follow_the_role(demo):
    config, day = demo.config, demo.day
    for read in (data_ops.quarantine, data_ops.file_ledger):
        assert not read(config, MANAGER).empty
        for viewer in (AMBASSADOR, SUPPORT):
            with pytest.raises(data.AccessDenied):
                read(config, viewer)
    with pytest.raises(data.AccessDenied):
        data_ops.roster_coverage(config, day, SUPPORT)
    with pytest.raises(data.AccessDenied):
        data_ops.errors_by_module(config, day, day, AMBASSADOR)
    assert not data_ops.open_tickets(config, day, SUPPORT).empty  # the demo's Jira tickets
    # The demo may run its alerts: an ambassador gets the company's, the waves' and their team's.
    for state in data_ops.alert_states(config, AMBASSADOR):
        assert not state["scope"].startswith("team:") or state["scope"] == "team:Logistique"
    assert {a["scope"] for a in data_ops.alert_states(config, MANAGER)} >= {
        a["scope"] for a in data_ops.alert_states(config, AMBASSADOR)
    }


def test_survey_scores_without_breakdown_are_the_overall_rows(demo):
    """A KPI snapshot asks ``survey_scores`` for each scope's overall scores only
    (``breakdown=False``): the same rows as the full results' overall ones."""
    from surveys.results import survey_scores

    store = open_store(demo.config.store_url)
    try:
        with store.session() as session:
            since, until = demo.day - dt.timedelta(days=89), demo.day
            full = survey_scores(session, min_group_size=5, since=since, until=until)
            overall = survey_scores(
                session, min_group_size=5, since=since, until=until, breakdown=False
            )
        assert any(row.round is not None for row in full.rows)  # the demo has rounds
        assert overall.rows == [r for r in full.rows if r.round is None and r.period is None]
        assert overall.rows and overall.suppressed == full.suppressed
    finally:
        store.dispose()
