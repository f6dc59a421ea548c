"""The Altair charts, built from small frames and read back as Vega-Lite dicts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from dashboard import charts
from hypercare.formatting import NARROW_NBSP


def layers(spec: dict[str, Any], data: Any = None) -> Iterator[dict[str, Any]]:
    """Every layer of a spec, nested layers included, each with the data it inherits."""
    for layer in spec.get("layer", []):
        inherited = layer.get("data", spec.get("data", data))
        yield {**layer, "data": inherited}
        yield from layers(layer, inherited)


def mark(layer: dict[str, Any]) -> str | None:
    value = layer.get("mark")
    return value.get("type") if isinstance(value, dict) else value


def rows_of(spec: dict[str, Any], layer: dict[str, Any]) -> list[dict[str, Any]]:
    return spec["datasets"][layer["data"]["name"]]


def the(spec: dict[str, Any], mark_type: str) -> dict[str, Any]:
    found = [layer for layer in layers(spec) if mark(layer) == mark_type]
    assert len(found) == 1, f"{len(found)} {mark_type} layers"
    return found[0]


@pytest.fixture
def teams() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["Achats", "ADV", "Logistique", "Neuve"],
            "adoption_rate": [0.8, 0.9545, 0.6, None],  # Achats exactly on target
            "licensed_users": [15, 22, 1234, 6],
            "wau": [12, 21, 15, None],
        }
    )


def test_team_bars_have_a_dashed_target_rule_at_the_target(teams):
    spec = charts.adoption_by_team(teams, 0.8, "en").to_dict()
    rule = the(spec, "rule")
    assert rule["mark"]["strokeDash"] == charts.TARGET_DASH
    assert rule["encoding"]["x"]["field"] == "target"
    assert rows_of(spec, rule) == [{"target": 0.8, "label": "target 80%"}]


def test_team_bars_are_coloured_by_whether_the_target_is_met(teams):
    spec = charts.adoption_by_team(teams, 0.8, "en").to_dict()
    bars = the(spec, "bar")
    color = bars["encoding"]["color"]
    assert color["field"] == "status"
    assert color["scale"]["domain"] == ["Target met", "Below target"]
    assert color["scale"]["range"] == [charts.MET_COLOR, charts.MISSED_COLOR]
    status = {row["team"]: row["status"] for row in rows_of(spec, bars)}
    # A team without a rate has no bar; reaching the target exactly meets it.
    assert status == {"ADV": "Target met", "Achats": "Target met", "Logistique": "Below target"}
    assert bars["encoding"]["y"]["sort"] == ["ADV", "Achats", "Logistique"]  # best first


def test_team_bars_carry_french_labels_and_tooltips(teams):
    spec = charts.adoption_by_team(teams, 0.8, "fr").to_dict()
    bars = the(spec, "bar")
    tooltip = {t["field"]: t["title"] for t in bars["encoding"]["tooltip"]}
    assert tooltip == {
        "team": "Équipe",
        "adoption": "Taux d'adoption",
        "licensed": "Utilisateurs licenciés",
        "active": "Utilisateurs actifs (7 jours)",
    }
    logistique = next(r for r in rows_of(spec, bars) if r["team"] == "Logistique")
    assert logistique["adoption"] == f"60{NARROW_NBSP}%"
    assert logistique["licensed"] == f"1{NARROW_NBSP}234"
    texts = [layer["encoding"]["text"]["field"] for layer in layers(spec) if mark(layer) == "text"]
    assert sorted(texts) == ["adoption", "label"]  # value labels, and the target's label
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    assert rows_of(spec, the(spec, "rule"))[0]["label"] == f"cible 80{NARROW_NBSP}%"


def test_team_bars_without_a_target_have_no_rule_and_one_colour(teams):
    spec = charts.adoption_by_team(teams, None, "en").to_dict()
    assert not [layer for layer in layers(spec) if mark(layer) == "rule"]
    assert the(spec, "bar")["encoding"]["color"] == {"value": charts.NO_TARGET_COLOR}


@pytest.fixture
def series() -> pd.DataFrame:
    days = pd.to_datetime(["2026-11-21", "2026-11-22", "2026-11-23"])
    rows = []
    for kind, name, rates in (
        ("all", None, [0.70, 0.72, None]),
        ("team", "Logistique", [0.50, 0.55, 0.60]),
        ("team", "ADV", [0.90, 0.92, 0.95]),
    ):
        for day, rate in zip(days, rates, strict=True):
            rows.append(
                {
                    "day": day,
                    "kind": kind,
                    "name": name,
                    "adoption_rate": rate,
                    "wau": 10,
                    "licensed_users": 20,
                }
            )
    return pd.DataFrame(rows)


def test_trend_has_a_dashed_horizontal_target_rule(series):
    spec = charts.adoption_trend(series, 0.8, "en", all_teams=["ADV", "Logistique"]).to_dict()
    rule = the(spec, "rule")
    assert rule["mark"]["strokeDash"] == charts.TARGET_DASH
    assert rule["encoding"]["y"]["field"] == "target"
    assert rows_of(spec, rule)[0]["target"] == 0.8


def test_trend_draws_one_line_per_team_and_emphasises_the_whole_company(series):
    spec = charts.adoption_trend(series, 0.8, "en", all_teams=["ADV", "Logistique"]).to_dict()
    lines = [layer for layer in layers(spec) if mark(layer) == "line"]
    widths = sorted(layer["mark"]["strokeWidth"] for layer in lines)
    assert widths[-1] > widths[0]  # "all" is thicker
    color = lines[0]["encoding"]["color"]
    assert color["scale"]["domain"] == ["Whole company", "ADV", "Logistique"]
    assert color["scale"]["range"][0] == charts.ALL_COLOR
    rows = spec["datasets"][lines[0]["data"]["name"]]
    assert {r["team"] for r in rows} == {"Whole company", "ADV", "Logistique"}
    assert len(rows) == 8  # the day without a rate is left out
    hover = the(spec, "circle")
    assert [t["field"] for t in hover["encoding"]["tooltip"]] == [
        "date",
        "team",
        "adoption",
        "active",
        "licensed",
    ]


def test_a_team_keeps_its_colour_whatever_the_filter(series):
    every_team = ["ADV", "Achats", "Logistique"]
    full = charts.adoption_trend(series, 0.8, "en", all_teams=every_team).to_dict()
    only = series[series["name"] != "ADV"]
    filtered = charts.adoption_trend(only, 0.8, "en", all_teams=every_team).to_dict()

    def colour_of(spec, team):
        scale = the(spec, "circle")["encoding"]["color"]["scale"]
        return dict(zip(scale["domain"], scale["range"], strict=True))[team]

    assert colour_of(full, "Logistique") == colour_of(filtered, "Logistique")
    assert colour_of(full, "Logistique") == charts.team_colors(every_team)["Logistique"]


def test_team_colours_follow_the_sorted_names_and_cycle():
    names = [f"Team {i:02d}" for i in range(12)]
    colours = charts.team_colors(reversed(names))
    assert colours["Team 00"] == charts.TEAM_PALETTE[0]
    assert colours["Team 09"] == charts.TEAM_PALETTE[9]
    assert colours["Team 10"] == charts.TEAM_PALETTE[0]
