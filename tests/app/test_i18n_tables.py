"""UI strings, number formatting and the per-team table with its CSV."""

from __future__ import annotations

import datetime as dt
import string

import pandas as pd

from dashboard import i18n, tables
from dashboard.i18n import STRINGS, t
from hypercare.formatting import NARROW_NBSP


def test_both_languages_have_the_same_keys_and_placeholders():
    assert set(STRINGS["fr"]) == set(STRINGS["en"])
    for key, french in STRINGS["fr"].items():
        fields = {f for _, f, _, _ in string.Formatter().parse(french) if f}
        english = {f for _, f, _, _ in string.Formatter().parse(STRINGS["en"][key]) if f}
        assert fields == english, key


def test_t_fills_parameters_and_falls_back():
    assert t("target", "fr", value="80 %") == "cible 80 %"
    assert t("target", "en", value="80%") == "target 80%"
    assert t("target", "de", value="80 %") == "cible 80 %"  # unknown locale: French
    assert t("no-such-key", "en") == "no-such-key"


def test_kpi_labels_come_from_the_registry():
    assert i18n.kpi_label("adoption_rate", "fr") == "Taux d'adoption"
    assert i18n.kpi_label("adoption_rate", "en") == "Adoption rate"


def test_numbers_and_changes_in_each_language():
    assert i18n.percent(0.7807, "fr") == f"78{NARROW_NBSP}%"
    assert i18n.percent(0.7807, "en") == "78%"
    assert i18n.percent(0.067, "fr") == f"6,7{NARROW_NBSP}%"
    assert i18n.date(dt.date(2026, 5, 31), "fr") == "31/05/2026"
    assert i18n.points(0.06, "fr") == "+6 pts"
    assert i18n.points(-0.012, "fr") == "−1,2 pt"
    assert i18n.points(0.0, "en") == "0 pt"
    assert i18n.points(None, "fr") is None


def frames():
    teams = pd.DataFrame(
        {
            "scope": ["team:ADV", "team:Logistique"],
            "kind": ["team", "team"],
            "name": ["ADV", "Logistique"],
            "licensed_users": [22.0, 25.0],
            "dau": [7.0, 8.0],
            "wau": [21.0, 15.0],
            "mau": [21.0, 17.0],
            "adoption_rate": [0.9546, 0.6],
            "activation_rate": [0.9546, 0.76],
        }
    )
    series = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-11-16", "2026-11-16"]),
            "scope": ["team:ADV", "team:Logistique"],
            "adoption_rate": [0.9, None],
        }
    )
    return teams, series


def test_team_kpis_compare_with_a_week_before_and_the_target():
    teams, series = frames()
    table = tables.team_kpis(teams, series, dt.date(2026, 11, 23), 0.8)
    assert table["team"].tolist() == ["ADV", "Logistique"]
    # ADV: 95.46 % now, 90 % seven days before → +5.46, rounded to +5.5 points.
    assert table.loc[0, "adoption_change_7d"] == 5.5
    assert pd.isna(table.loc[1, "adoption_change_7d"])  # no rate a week before
    assert table["meets_target"].tolist() == [True, False]
    assert table["licensed_users"].tolist() == [22, 25]


def test_french_csv_opens_in_french_excel():
    teams, series = frames()
    table = tables.team_kpis(teams, series, dt.date(2026, 11, 23), 0.8)
    data = tables.to_csv(table, "fr")
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    header, adv, _ = text.split("\r\n", 2)
    assert header.split(";")[:6] == [
        "Équipe",
        "Utilisateurs licenciés",
        "Taux d'activation (%)",
        "Taux d'adoption (%)",
        "Adoption sur 7 j (pts)",
        "Cible atteinte",
    ]
    assert adv.split(";")[:6] == ["ADV", "22", "95,5", "95,5", "5,5", "Oui"]


def test_english_csv_is_plain():
    teams, series = frames()
    table = tables.team_kpis(teams, series, dt.date(2026, 11, 23), 0.8)
    lines = tables.to_csv(table, "en").decode("utf-8").splitlines()
    assert lines[0].startswith("Team,Licensed users,Activation rate (%),Adoption rate (%)")
    assert lines[2].split(",")[:6] == ["Logistique", "25", "76.0", "60.0", "", "no"]
