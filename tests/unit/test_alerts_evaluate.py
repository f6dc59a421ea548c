"""Alert rules evaluated on tiny real data (collected through the collectors), on SQLite and
PostgreSQL, against KPI values worked out by hand; transitions recorded in the store.

The company: Compta (u1-u3, wave pilote), Logistique (u4-u6, wave v1), Achats (u7-u8, wave v1),
everyone licensed since 01/05/2026. Compta's three people use the tool every day from 01/05 to
12/06 except on 11/06 (nobody of Compta that day). Logistique: u4 on 27/05 and 03/06, u5 on
02/06, u6 on 04/06. Achats never.

Logistique's adoption rate (licensed people active in the 7 days ending the day ÷ 3):
  29/05-01/06: u4 (27/05) → 1/3      02/06: u4 (27/05), u5 → 2/3      03/06: u4, u5 → 2/3
  04/06-08/06: u4, u5, u6 → 3/3      09/06: u4 (03/06), u6 → 2/3      10/06: u6 → 1/3
  11/06: nobody → 0
"""

import datetime as dt
import textwrap
import threading

import pytest
from sqlalchemy import func, select

from collectors.run import collect
from hypercare.config import load_config
from metrics.alerts import evaluate
from metrics.alerts.evaluate import run_alerts
from metrics.store import open_store
from metrics.store.models import AlertHistory, AlertState

ROSTER = "Matricule;Service;Vague;Mise en service;Licence\n" + "".join(
    f"{u};{team};{wave};01/05/2026;Oui\n"
    for u, team, wave in [
        ("u1", "Compta", "pilote"),
        ("u2", "Compta", "pilote"),
        ("u3", "Compta", "pilote"),
        ("u4", "Logistique", "v1"),
        ("u5", "Logistique", "v1"),
        ("u6", "Logistique", "v1"),
        ("u7", "Achats", "v1"),
        ("u8", "Achats", "v1"),
    ]
)


def usage() -> str:
    lines = ["Date;Utilisateur"]
    day = dt.date(2026, 5, 1)
    while day <= dt.date(2026, 6, 12):
        if day != dt.date(2026, 6, 11):
            lines += [f"{day:%d/%m/%Y} 10:00;{u}" for u in ("u1", "u2", "u3")]
        day += dt.timedelta(days=1)
    lines += ["27/05/2026 10:00;u4", "03/06/2026 10:00;u4", "02/06/2026 10:00;u5"]
    lines += ["04/06/2026 10:00;u6"]
    return "\n".join(lines) + "\n"


def D(text: str) -> dt.date:
    day, month = text.split("/")
    return dt.date(2026, int(month), int(day))


@pytest.fixture
def setup(store_url, make_config, write):
    write("annuaire.csv", ROSTER)
    write("usage.csv", usage())
    opened = []

    def _setup(rules: str, min_group_size: int = 2):
        header = textwrap.dedent(
            f"""
            privacy: {{min_group_size: {min_group_size}}}
            locale: fr
            targets: {{adoption_rate: 0.8}}
            sources:
              - {{name: annuaire, kind: roster, path: annuaire.csv,
                 columns: {{user: Matricule, team: Service, wave: Vague,
                            go_live: Mise en service, licensed: Licence}}}}
              - {{name: usage, kind: usage, path: usage.csv,
                 columns: {{ts: Date, user: Utilisateur}}}}
            alerts:
              rules:
            """
        )
        body = header + textwrap.indent(textwrap.dedent(rules).strip("\n"), "    ") + "\n"
        path = make_config(body, store=store_url)
        config = load_config(path)
        store = open_store(config.store_url)
        opened.append(store)
        outcomes = collect(config, store)
        assert [o.total("accepted") for o in outcomes] == [8, 3 * 42 + 4]
        return config, store

    yield _setup
    for store in opened:
        store.dispose()


THRESHOLD = """
    - {name: adoption-basse, kind: threshold, kpi: adoption_rate, scope: "team:*",
       comparison: "<", value: 0.5, recovery: 0.7, pending: 1, min_volume: 3}
"""


def moves(result) -> list[tuple[str, str, str, str]]:
    return [(t["rule"], t["scope"], t["from"], t["to"]) for t in result.transitions]


def test_threshold_with_pending_recovery_and_volume_guard(setup):
    config, store = setup(THRESHOLD)
    by_day = {}
    for day in ("29/05", "30/05", "31/05", "02/06", "04/06", "05/06", "10/06", "11/06"):
        by_day[day] = run_alerts(store, config, D(day), send=False)

    rule = "adoption-basse"
    logi = "team:Logistique"
    # 29/05: 1/3 < 0.5 → pending (pending: 1 day); Compta (3/3) is fine; Achats (2 licensed) is
    # below min_volume 3 and not judged.
    assert moves(by_day["29/05"]) == [(rule, logi, "normal", "pending")]
    assert {
        "rule": rule,
        "scope": "team:Achats",
        "reason": "below min_volume: licensed_users 2 < 3",
    } in by_day["29/05"].skipped
    assert by_day["29/05"].transitions[0]["value"] == pytest.approx(1 / 3, abs=1e-4)
    # 30/05: still 1/3, held one day → firing.
    assert moves(by_day["30/05"]) == [(rule, logi, "pending", "firing")]
    assert moves(by_day["31/05"]) == []
    # 02/06: 2/3 is above the threshold but below the recovery line 0.7: still firing.
    assert moves(by_day["02/06"]) == []
    [alert] = by_day["02/06"].alerts
    assert (alert["state"], alert["since"], alert["severity"]) == (
        "firing",
        "2026-05-30",
        "warning",
    )
    assert alert["value"] == pytest.approx(2 / 3, abs=1e-4)
    assert (alert["threshold"], alert["comparison"], alert["kpi"]) == (0.5, "<", "adoption_rate")
    # 04/06: 3/3 ≥ 0.7 → resolved; 05/06 → normal.
    assert moves(by_day["04/06"]) == [(rule, logi, "firing", "resolved")]
    assert moves(by_day["05/06"]) == [(rule, logi, "resolved", "normal")]
    # 10/06: 1/3 → pending again; 11/06: 0 → firing.
    assert moves(by_day["10/06"]) == [(rule, logi, "normal", "pending")]
    assert moves(by_day["11/06"]) == [(rule, logi, "pending", "firing")]
    assert by_day["11/06"].transitions[0]["value"] == 0

    with store.session() as session:
        history = session.execute(
            select(AlertHistory.from_state, AlertHistory.to_state, AlertHistory.as_of)
            .where(AlertHistory.scope == logi)
            .order_by(AlertHistory.id)
        ).all()
        states = session.scalars(select(AlertState).order_by(AlertState.scope)).all()
    assert [(h.from_state, h.to_state, h.as_of) for h in history] == [
        ("normal", "pending", D("29/05")),
        ("pending", "firing", D("30/05")),
        ("firing", "resolved", D("04/06")),
        ("resolved", "normal", D("05/06")),
        ("normal", "pending", D("10/06")),
        ("pending", "firing", D("11/06")),
    ]
    # Achats was never judged (volume guard): its state stays normal.
    assert [(s.scope, s.state) for s in states] == [
        ("team:Achats", "normal"),
        ("team:Compta", "normal"),
        ("team:Logistique", "firing"),
    ]


def test_the_same_day_twice_records_nothing_new_and_older_days_are_stale(setup):
    config, store = setup(THRESHOLD)
    run_alerts(store, config, D("29/05"), send=False)
    first = run_alerts(store, config, D("30/05"), send=False)
    again = run_alerts(store, config, D("30/05"), send=False)
    assert moves(first) == [("adoption-basse", "team:Logistique", "pending", "firing")]
    assert again.transitions == [] and again.stale == []
    older = run_alerts(store, config, D("29/05"), send=False)
    assert older.transitions == []
    assert {s["scope"] for s in older.stale} == {"team:Achats", "team:Compta", "team:Logistique"}
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(AlertHistory)) == 2


def test_relative_change_over_a_week(setup):
    config, store = setup(
        """
    - {name: adoption-chute, kind: change, kpi: adoption_rate, scope: team:Logistique,
       window: 7, comparison: "<", value: -0.3}
        """
    )
    # 09/06: 2/3 against 02/06's 2/3 → no change.
    quiet = run_alerts(store, config, D("09/06"), send=False)
    assert quiet.transitions == []
    # 10/06: 1/3 against 03/06's 2/3 → (1/3 − 2/3) ÷ 2/3 = −50 % < −30 % → firing at once.
    result = run_alerts(store, config, D("10/06"), send=False)
    assert moves(result) == [("adoption-chute", "team:Logistique", "normal", "firing")]
    detail = result.alerts[0]["detail"]
    assert detail["change"] == pytest.approx(-0.5, abs=1e-3)
    assert detail["current"] == pytest.approx(1 / 3, abs=1e-4)
    assert detail["previous"] == pytest.approx(2 / 3, abs=1e-4)


def test_anomaly_on_the_daily_active_users_with_the_real_detector(setup):
    config, store = setup(
        """
    - {name: dau-inhabituel, kind: anomaly, kpi: dau, scope: team:Compta, sensitivity: 3}
        """
    )
    # Compta's DAU is 3 every day for six weeks, then 0 on 11/06.
    assert run_alerts(store, config, D("10/06"), send=False).transitions == []
    result = run_alerts(store, config, D("11/06"), send=False)
    assert moves(result) == [("dau-inhabituel", "team:Compta", "normal", "firing")]
    [alert] = result.alerts
    assert alert["value"] == 0
    assert alert["detail"]["expected"] == pytest.approx(3, abs=0.01)
    assert alert["detail"]["direction"] == "low"
    # Back to 3 on 12/06: not anomalous → resolved.
    result = run_alerts(store, config, D("12/06"), send=False)
    assert moves(result) == [("dau-inhabituel", "team:Compta", "firing", "resolved")]


def test_anomaly_direction_bad_ignores_good_surprises(setup, monkeypatch):
    config, store = setup(
        """
    - {name: dau-bas, kind: anomaly, kpi: dau, scope: team:Compta}
    - {name: dau-tout, kind: anomaly, kpi: dau, scope: team:Compta, direction: both}
        """
    )
    seen = []

    class Hit:
        def __init__(self, day, value):
            self.day, self.value, self.expected, self.score = day, value, 1.0, 5.0

    def fake_detect(series, sensitivity):
        seen.append((series[0][0], series[-1], sensitivity))
        day, value = series[-1]
        return [Hit(day, value)]  # today, higher than expected: good news for an "up" KPI

    monkeypatch.setattr(evaluate, "detect_anomalies", fake_detect)
    result = run_alerts(store, config, D("10/06"), send=False)
    assert moves(result) == [("dau-tout", "team:Compta", "normal", "firing")]
    # The detector got the 56 days before the as-of day (history default), the day itself, and
    # the sensitivity.
    assert seen[0] == (D("10/06") - dt.timedelta(days=56), (D("10/06"), 3), 3.0)


def test_forecast_slip(setup, monkeypatch):
    config, store = setup(
        """
    - {name: objectif, kind: forecast_slip, scope: "team:*", planned: 2026-06-30,
       tolerance_days: 7}
        """
    )
    # Compta is at 3/3 ≥ the 0.8 target: reached, nothing to forecast. Achats has been at 0 for
    # six weeks: not reached at this pace → firing. (Logistique's climb depends on the model.)
    result = run_alerts(store, config, D("31/05"), send=False)
    assert ("objectif", "team:Achats", "normal", "firing") in moves(result)
    achats = next(a for a in result.alerts if a["scope"] == "team:Achats")
    assert achats["detail"]["reached_on"] is None and achats["value"] == 0
    with store.session() as session:
        compta = session.get(AlertState, ("objectif", "team:Compta"))
        assert compta.state == "normal" and '"reached": true' in compta.detail

    class Forecast:
        def __init__(self, reached_on):
            self.reached_on, self.model = reached_on, "test"

    fits = []

    def fake_fit(series, target):
        fits.append(target)
        return Forecast(dt.date(2026, 7, 10))  # 10 days after the planned date

    monkeypatch.setattr(evaluate, "fit_forecast", fake_fit)
    result = run_alerts(store, config, D("01/06"), send=False)
    # Logistique (1/3) and Achats (0) now forecast 10 days late, more than the 7 days tolerated.
    assert {a["scope"]: a["state"] for a in result.alerts} == {
        "team:Achats": "firing",
        "team:Logistique": "firing",
    }
    logi = next(a for a in result.alerts if a["scope"] == "team:Logistique")
    assert logi["detail"]["days_late"] == 10 and logi["threshold"] == 0.8
    assert logi["value"] == pytest.approx(1 / 3, abs=1e-4)
    assert fits == [0.8, 0.8]  # Compta, at its target, needs no forecast

    monkeypatch.setattr(evaluate, "fit_forecast", lambda s, t: Forecast(dt.date(2026, 7, 5)))
    result = run_alerts(store, config, D("02/06"), send=False)
    # 5 days late is within the 7 tolerated: both resolve.
    assert sorted(m[3] for m in moves(result)) == ["resolved", "resolved"]


def test_linear_interim_forecast():
    start = dt.date(2026, 6, 1)
    rising = [(start + dt.timedelta(days=i), 0.1 + 0.01 * i) for i in range(10)]
    # Last fitted value 0.19 on 10/06, +0.01 a day: 0.8 is 61 days later.
    forecast = evaluate._linear_forecast(rising, 0.8)
    assert forecast.reached_on == dt.date(2026, 6, 10) + dt.timedelta(days=61)
    falling = [(d, 1 - v) for d, v in rising]
    assert evaluate._linear_forecast(falling, 0.95).reached_on is None
    assert evaluate._linear_forecast(rising[:1], 0.8).reached_on is None


def test_suppressed_scopes_are_never_evaluated(setup):
    config, store = setup(
        """
    - {name: bas, kind: threshold, kpi: adoption_rate, scope: ["team:*", team:Achats],
       comparison: "<", value: 0.5}
        """,
        min_group_size=3,
    )
    result = run_alerts(store, config, D("31/05"), send=False)
    # Achats (2 licensed) is suppressed: not matched by team:*, and named explicitly it is skipped.
    assert moves(result) == [("bas", "team:Logistique", "normal", "firing")]
    assert result.skipped == [
        {
            "rule": "bas",
            "scope": "team:Achats",
            "reason": "not shown on this day (suppressed, or no such team or wave)",
        }
    ]
    with store.session() as session:
        assert session.get(AlertState, ("bas", "team:Achats")) is None


def test_two_runs_at_once_record_each_transition_once(setup):
    config, store = setup(THRESHOLD)
    run_alerts(store, config, D("29/05"), send=False)
    stores = [open_store(config.store_url) for _ in range(3)]
    barrier = threading.Barrier(len(stores))
    results, errors = [], []

    def worker(own):
        try:
            barrier.wait()
            results.append(run_alerts(own, config, D("30/05"), send=False))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.dispose()
    assert errors == []
    assert sorted(len(r.transitions) for r in results) == [0, 0, 1]
    with store.session() as session:
        rows = session.execute(
            select(AlertHistory.from_state, AlertHistory.to_state).order_by(AlertHistory.id)
        ).all()
    assert [tuple(r) for r in rows] == [("normal", "pending"), ("pending", "firing")]


def test_acknowledgement_lasts_until_the_alert_resolves(setup):
    config, store = setup(THRESHOLD)
    section = config.sections["alerts"]
    for day in ("29/05", "30/05"):
        run_alerts(store, config, D(day), send=False)
    alert = evaluate.acknowledge(
        store, section, "adoption-basse", "team:Logistique", "Camille", "relance de l'équipe"
    )
    assert (alert["acknowledged_by"], alert["ack_comment"]) == ("Camille", "relance de l'équipe")
    [active] = run_alerts(store, config, D("31/05"), send=False).alerts
    assert active["acknowledged_by"] == "Camille"
    run_alerts(store, config, D("04/06"), send=False)  # resolved
    with store.session() as session:
        row = session.get(AlertState, ("adoption-basse", "team:Logistique"))
        assert row.state == "resolved" and row.acknowledged_by is None
    with pytest.raises(evaluate.AlertError, match="nothing to acknowledge"):
        evaluate.acknowledge(store, section, "adoption-basse", "team:Logistique", "Camille")
    with pytest.raises(evaluate.AlertError, match="not an alert rule"):
        evaluate.acknowledge(store, section, "nope", "team:Logistique", "Camille")
