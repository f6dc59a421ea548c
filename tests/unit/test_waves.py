"""Go / no-go per wave and the exit checklist, on tiny data worked out by hand."""

import datetime as dt

import pytest

from collectors.run import collect
from hypercare.config import ConfigError, load_config
from metrics.compute import Settings
from metrics.report import build_report
from metrics.store import open_store
from metrics.waves import verdict

ROSTER = "user;team;wave;go_live\n" + "".join(
    f"p{i};{'A' if i < 4 else 'B'};{'w1' if i < 4 else 'w2'};"
    f"{'2026-04-01' if i < 4 else '2026-05-25'}\n"
    for i in range(8)
)
# Week ending 31/05: w1 has p0, p1, p2 active (3/4 = 75 %); w2 has p4 active (1/4 = 25 %).
USAGE = "ts;user;outcome\n" + "".join(
    f"2026-05-{d} 10:00;{u};{o}\n"
    for d, u, o in [
        ("30", "p0", "ok"),
        ("30", "p1", "ok"),
        ("31", "p2", "error"),
        ("31", "p4", "ok"),
    ]
)
CONFIG = """
privacy: {min_group_size: 2}
targets: {adoption_rate: 0.7}
waves:
  criteria:
    - {kpi: adoption_rate, min_days: 30}
    - {kpi: error_rate, comparison: "<=", threshold: 0.5, min_days: 7}
  per_wave:
    w2: [{kpi: adoption_rate, threshold: 0.2, min_days: 14}]
exit:
  criteria:
    - {kpi: adoption_rate, scope: all, threshold: 0.9, min_days: 3}
    - {kpi: wau, scope: "team:A", comparison: ">=", threshold: 2}
sources:
  - {name: r, kind: roster, path: roster.csv}
  - {name: u, kind: usage, path: usage.csv}
"""


def report(store_url, make_config, write, body=CONFIG, as_of="2026-05-31"):
    write("roster.csv", ROSTER)
    write("usage.csv", USAGE)
    config = load_config(make_config(body, store=store_url))
    store = open_store(config.store_url)
    try:
        collect(config, store)
        return build_report(store, dt.date.fromisoformat(as_of), 2, Settings.from_config(config))
    finally:
        store.dispose()


def test_waves_and_exit(store_url, make_config, write):
    result = report(store_url, make_config, write)
    w1, w2 = result["waves"]
    assert (w1["wave"], w1["go_live"], w1["days_since_go_live"]) == ("w1", "2026-04-01", 60)
    # adoption 3/4 = 0.75 ≥ target 0.7 (threshold left out, comparison from the direction);
    # error rate 1/3 = 0.3333 ≤ 0.5.
    assert [(c["kpi"], c["status"], c["threshold"]) for c in w1["criteria"]] == [
        ("adoption_rate", "pass", 0.7),
        ("error_rate", "pass", 0.5),
    ]
    assert w1["verdict"] == "GO"
    # w2 went live on 25/05: J+6 < 14, inconclusive → WAIT.
    assert w2["days_since_go_live"] == 6
    assert w2["criteria"][0]["status"] == "inconclusive"
    assert w2["criteria"][0]["reason"] == "J+6: judged from J+14"
    assert w2["verdict"] == "WAIT"
    # Exit: from the last go-live (25/05), J+6 ≥ 3; all adoption 4/8 = 0.5 < 0.9 → fail;
    # team A's WAU 3 ≥ 2 → pass (no min_days).
    checklist = result["exit"]
    assert [c["status"] for c in checklist["criteria"]] == ["fail", "pass"]
    assert checklist["criteria"][0]["reason"] == "0.5 < 0.9"
    assert checklist["verdict"] == "NO-GO"
    # Each shown team gets its adoption forecast against the 0.7 target.
    assert set(result["forecasts"]) == {"team:A", "team:B"}
    assert result["forecasts"]["team:A"]["target"] == 0.7
    assert result["forecasts"]["team:A"]["model"] in ("logistic", "linear", "none")


def test_later_w2_is_judged(store_url, make_config, write):
    result = report(store_url, make_config, write, as_of="2026-06-08")
    w2 = result["waves"][1]
    # On 08/06 (J+14) nobody of w2 was active in the week 02/06–08/06: 0 < 0.2 → NO-GO.
    assert w2["criteria"][0]["value"] == 0.0
    assert w2["verdict"] == "NO-GO"


def test_verdict():
    assert verdict(["pass", "pass"]) == "GO"
    assert verdict(["pass", "fail", "inconclusive"]) == "NO-GO"
    assert verdict(["pass", "inconclusive"]) == "WAIT"
    assert verdict([]) == "WAIT"


def test_config_errors(make_config):
    path = make_config(
        """
        waves:
          criteria: [{kpi: adoption, threshold: 1}, {kpi: wau, comparison: "=="}]
          per_wave: {w1: {kpi: wau}}
        exit: {criteria: [{kpi: wau, scope: "teams:A"}], when: now}
        """
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert "waves.criteria[0].kpi: expected a KPI code of docs/kpis.md, found 'adoption'" in text
    assert "waves.criteria[1].comparison: expected one of >=, >, <=, <, found '=='" in text
    assert "waves.per_wave.w1: expected a list of criteria" in text
    assert "exit.criteria[0].scope: expected all, team:<name> or wave:<name>" in text
    assert "exit.when: unknown key" in text
