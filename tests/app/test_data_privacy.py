"""dashboard.data: what the pages receive, and that small teams never are in it."""

from __future__ import annotations

import datetime as dt

from dashboard import data
from metrics.adoption import daily_series
from metrics.store import open_store


def test_the_snapshot_is_the_report_without_small_teams(demo):
    config = demo.config
    snap = data.snapshot(config.store_url, demo.day, config.privacy.min_group_size)
    assert snap.suppressed == {"team": 1}
    assert "Direction" not in set(snap.scopes["name"].dropna())
    assert snap.team_names() == ["ADV", "Achats", "Commercial", "Comptabilité", "Logistique"]
    overall = snap.overall()
    assert overall is not None and overall["licensed_users"] > 100
    assert 0 < overall["adoption_rate"] < 1


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

    series = data.user_kpi_series(config.store_url, start, demo.day, config.privacy.min_group_size)
    assert set(series["scope"]) == raw - {"team:Direction"}
    assert len(series) == 14 * len(set(series["scope"]))
    assert str(series["day"].dtype).startswith("datetime64")
    day = series[(series["scope"] == "all") & (series["day"] == str(demo.day))]
    snap = data.snapshot(config.store_url, demo.day, config.privacy.min_group_size)
    assert day["adoption_rate"].item() == snap.overall()["adoption_rate"]


def test_for_teams_keeps_the_whole_company_unless_asked(demo):
    config = demo.config
    snap = data.snapshot(config.store_url, demo.day, config.privacy.min_group_size)
    assert set(data.for_teams(snap.scopes, ["ADV"])["scope"]) == {"all", "team:ADV"}
    assert set(data.for_teams(snap.scopes, ["ADV"], keep_all=False)["scope"]) == {"team:ADV"}
    assert data.for_teams(snap.scopes, [], keep_all=False).empty
