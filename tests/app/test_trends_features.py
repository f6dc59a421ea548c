"""Feature scopes on the trends page (AppTest, demo company): a feature is offered next to the
teams and waves, and its error rate is drawn day by day with the values the KPI API gives."""

from __future__ import annotations

import datetime as dt

from rendered import charts

from metrics import compute
from metrics.scopes import Scope
from metrics.store import open_store


def test_a_features_error_rate_over_time(demo, run_app):
    app = run_app(demo.config_path, page="trends", lang="EN")
    assert not app.exception, app.exception
    picker = app.multiselect(key="trend_scopes")
    assert "Feature invoice" in picker.options
    # the feature alone first: the whole company's error rate day by day is slow to compute
    app.multiselect(key="trend_scopes").set_value(["feature:invoice"]).run()
    app.selectbox(key="kpi").set_value("error_rate").run()
    assert not app.exception, app.exception
    drawn = [c for c in charts(app) if "line" in c.mark_types()]
    assert drawn
    rows = drawn[0].rows()
    rows = rows[rows["value"].notna()]
    assert set(rows["label"]) == {"Feature invoice"}

    store = open_store(demo.config.store_url)
    try:
        with store.session() as session:
            expected = compute.series(
                session,
                compute.Settings.from_config(demo.config),
                "error_rate",
                [Scope("feature", "invoice")],
                demo.day - dt.timedelta(days=29),
                demo.day,
            )[Scope("feature", "invoice")]
    finally:
        store.dispose()
    drawn_days = dict(zip(rows["day"].astype(str).str[:10], rows["value"], strict=True))
    for day, value in expected:
        if value is not None:
            assert drawn_days[day.isoformat()] == value
