"""Survey scoring as published, with response counts, margins of error and significance.

Every expected value is computed by hand in the comment above it.
"""

import csv
import json
import math

import pytest
from click.testing import CliRunner

from hypercare.cli import main
from surveys import instruments, scoring
from surveys.results import Response, score_responses
from surveys.settings import CesSettings, SurveySettings

Z95 = 1.959964


def test_nps_with_its_variance_based_margin():
    answers = [10, 10, 9, 9, 9, 8, 7, 6, 3, 0]
    score = scoring.score_nps(answers, min_responses=10)
    # promoters 9–10: 5, detractors 0–6: 3, n = 10 → NPS = 100 × (5 − 3) / 10 = 20
    assert score.value == 20.0
    # Var = (p + d − (p − d)²) / n = (0.5 + 0.3 − 0.2²) / 10 = 0.076; MOE = 1.96 × √0.076 × 100
    assert score.moe == pytest.approx(Z95 * math.sqrt(0.076) * 100, abs=1e-3)
    assert score.moe == pytest.approx(54.03, abs=0.01)
    assert (score.n, score.significant) == (10, True)
    assert not scoring.score_nps(answers, min_responses=11).significant
    assert scoring.score_nps([], 1).value is None


def test_csat_share_of_four_and_five():
    score = scoring.score_csat([5, 4, 4, 3, 2, 1, 5, 5], min_responses=5)
    # 4–5: 5 answers of 8 → 62.5 %; MOE = 1.96 × √(0.625 × 0.375 / 8) × 100 = 33.55
    assert score.value == 62.5
    assert score.moe == pytest.approx(33.55, abs=0.01)
    assert instruments.csat([1, 2, 3]) == 0.0


def test_ces_mean_with_t_margin_and_top_box():
    mean = scoring.score_ces([2, 3, 3, 4, 5, 1], min_responses=5)
    # mean = 18 / 6 = 3; s² = (1 + 0 + 0 + 1 + 4 + 4) / 5 = 2; MOE = t(0.975, 5) × √2 / √6
    #      = 2.570582 × 0.577350 = 1.4841
    assert (mean.value, mean.method) == (3.0, "ces:mean")
    assert mean.moe == pytest.approx(1.4841, abs=1e-4)
    top = scoring.score_ces([7, 6, 5, 4, 2, 7], min_responses=5, mode="top_box")
    # 5–7 on the 1–7 scale: 7, 6, 5, 7 → 4 of 6 = 66.67 %
    assert (top.value, top.method) == (66.67, "ces:top_box")
    five = scoring.score_ces([5, 4, 3, 6], min_responses=1, scale_max=5)
    # declared 1–5: the 6 is off the scale and rejected; mean of 5, 4, 3 = 4
    assert (five.value, five.n, five.rejected) == (4.0, 3, 1)
    with pytest.raises(ValueError, match="mode"):
        scoring.score_ces([1], 1, mode="median")


def test_sus_per_complete_response_incomplete_sets_rejected():
    responses = [
        ("A", dict(enumerate((4, 2, 5, 1, 4, 2, 4, 2, 5, 1), start=1))),
        ("B", dict(enumerate([3] * 10, start=1))),
        ("C", dict(enumerate((5, 1) * 5, start=1))),
        ("D", {i: 3 for i in range(1, 11) if i != 7}),
    ]
    score = scoring.score_per_response("sus", responses, min_responses=3)
    # A: (3+3+4+4+3+3+3+3+4+4) = 34 × 2.5 = 85; B: 5 × 2 + 5 × 2 = 20 × 2.5 = 50; C: 40 × 2.5 = 100
    # mean = 235 / 3 = 78.33; s² = (6.67² + 28.33² + 21.67²) / 2 = 658.33;
    # MOE = t(0.975, 2) × √(658.33 / 3) = 4.302653 × 14.8137 = 63.74
    assert score.value == pytest.approx(78.333, abs=1e-3)
    assert score.moe == pytest.approx(63.74, abs=0.01)
    assert (score.n, score.rejected) == (3, 1)
    assert score.reasons == ("response D: SUS item 7 unanswered",)
    with pytest.raises(instruments.IncompleteResponse, match="off the 1–5 scale: 2 \\(6\\)"):
        instruments.complete_items("sus", {i: 6 if i == 2 else 3 for i in range(1, 11)}, 10, 1, 5)


def test_umux_lite_raw_two_item_formula():
    # ((7 − 1) + (6 − 1)) / 12 × 100 = 91.67 and ((4 − 1) + (4 − 1)) / 12 × 100 = 50
    assert instruments.umux_lite_score([7, 6]) == pytest.approx(91.667, abs=1e-3)
    score = scoring.score_per_response(
        "umux_lite", [("1", {1: 7, 2: 6}), ("2", {1: 4, 2: 4}), ("3", {1: 5})], min_responses=2
    )
    assert score.value == pytest.approx((91.6667 + 50) / 2, abs=1e-3)
    assert score.reasons == ("response 3: UMUX-Lite item 2 unanswered",)
    assert instruments.umux_lite_sus_equivalent(50) == pytest.approx(55.4)


def test_difference_between_rounds():
    earlier = scoring.score_nps([0] * 10 + [10] * 10, 10)  # NPS 0, Var = (1 − 0) / 20 × 100²
    later = scoring.score_nps([10] * 18 + [8, 8], 10)  # NPS 90, Var = (0.9 − 0.81) / 20 × 100²
    diff = scoring.difference(earlier, later)
    # 90 − 0 = 90; MOE = 1.96 × √(500 + 45) = 45.76 → significant
    assert diff.value == 90
    assert diff.moe == pytest.approx(Z95 * math.sqrt(500 + 45), abs=1e-3)
    assert diff.significant
    small = scoring.difference(scoring.score_nps([10, 0], 5), later)
    assert not small.significant  # below the minimum number of responses


def test_nps_reads_only_the_first_nps_question_of_each_response():
    responses = [
        Response(1, "1", "s", None, None, None, "A", None, answers={"nps": {1: 10, 2: 0}}),
        Response(2, "2", "s", None, None, None, "A", None, answers={"nps": {1: 9, 2: 0}}),
    ]
    scores = score_responses(responses, SurveySettings(min_responses=1))
    assert scores["nps"].value == 100.0  # the second NPS-mapped question (0, 0) is not mixed in


ROSTER = (
    "user;team;wave;licensed\n"
    + "".join(f"a{i}@x.fr;Compta;pilote;Oui\n" for i in range(1, 7))
    + "b1@x.fr;Logistique;v2;Oui\nb2@x.fr;Logistique;v2;Oui\n"
)
SUS = [f"S{i}" for i in range(1, 11)]
SURVEY_HEADER = ["Horodateur", "Email", "Service", "Campagne", "Complet", "NPS", *SUS, "Gêne"]
FULL_SUS = ["4", "2", "5", "1", "4", "2", "4", "2", "5", "1"]  # 85
SURVEY_ROWS = [
    ["01/06/2026 09:00", "a1@x.fr", "Compta", "J+30", "Oui", "10", *FULL_SUS, "PDF lent"],
    ["01/06/2026 10:00", "A2@X.FR", "Compta", "J+30", "Oui", "9", *(["3"] * 10), ""],  # SUS 50
    [
        "02/06/2026 09:00",
        "a3@x.fr",
        "Compta",
        "J+30",
        "Oui",
        "6",
        "3",
        "3",
        "3",
        "",
        *(["3"] * 6),
        "",
    ],
    ["01/09/2026 09:00", "a4@x.fr", "Compta", "J+90", "Oui", "8", *([""] * 10), ""],
    ["01/09/2026 10:00", "a5@x.fr", "Compta", "J+90", "Oui", "3", *([""] * 10), ""],
    ["02/09/2026 09:00", "", "Compta", "J+90", "Oui", "10", *([""] * 10), "anonyme"],
    ["01/06/2026 11:00", "b1@x.fr", "Logistique", "J+30", "Oui", "0", *([""] * 10), ""],
    ["01/06/2026 12:00", "a6@x.fr", "Compta", "J+30", "Non", "0", *([""] * 10), ""],
    ["01/06/2026 13:00", "b2@x.fr", "Compta", "J+30", "Oui", "2", *([""] * 10), ""],
    ["01/06/2026 14:00", "x@ext.fr", "Externe", "J+30", "Oui", "10", *([""] * 10), ""],
]


def _collect(make_config, write, store_url, min_group_size=3, extra=""):
    from collectors.run import collect
    from hypercare.config import load_config
    from metrics.store import open_store

    write("roster.csv", ROSTER)
    body = "\n".join(";".join(r) for r in (SURVEY_HEADER, *SURVEY_ROWS)) + "\n"
    write("pulse.csv", body)
    path = make_config(
        f"""
        privacy: {{min_group_size: {min_group_size}}}
        surveys: {{min_responses: 5}}
        {extra}
        sources:
          - {{name: annuaire, kind: roster, format: csv, path: roster.csv}}
          - name: pulse
            kind: survey
            format: csv
            path: pulse.csv
            columns: {{submitted_at: Horodateur, user: Email, team: Service, round: Campagne,
                      complete: Complet}}
            questions: {{nps: NPS, sus: {SUS}, comment: [Gêne]}}
        """,
        store=store_url,
    )
    config = load_config(path)
    store = open_store(config.store_url)
    outcomes = collect(config, store)
    assert all(not o.failed for o in outcomes)
    assert [o.total("quarantined") for o in outcomes] == [0, 0]
    return path, config, store


def test_scores_per_team_wave_round_with_privacy(store_url, make_config, write):
    from surveys.results import survey_scores
    from surveys.settings import survey_settings

    _, config, store = _collect(make_config, write, store_url)
    try:
        with store.session() as session:
            result = survey_scores(session, min_group_size=3, settings=survey_settings(config))
    finally:
        store.dispose()
    # Logistique (2 licensed) and its wave v2 are suppressed: b1 and b2 (who wrote "Compta" but
    # is Logistique in the roster) are left out everywhere; "Externe" has one respondent only.
    assert result.suppressed == ["team:Externe", "team:Logistique", "wave:v2"]
    scopes = {r.scope for r in result.rows}
    assert scopes == {"all", "team:Compta", "wave:pilote"}
    overall = result.row("all")
    # Kept: 10, 9, 6, 8, 3 and the anonymous 10 (team from its column); a6 is incomplete.
    # promoters 3, detractors 2 (6, 3), n = 6 → NPS = 100 × 1 / 6 = 16.67
    assert overall.responses == 6
    assert overall.scores["nps"].value == pytest.approx(16.67)
    assert overall.scores["nps"].significant  # 6 ≥ min_responses 5
    assert result.row("team:Compta").scores["nps"].value == pytest.approx(16.67)
    # wave:pilote: the anonymous response has no wave → 10, 9, 6, 8, 3: P 2, D 2 → 0
    assert result.row("wave:pilote").scores["nps"].value == 0.0
    # J+30: 10, 9, 6 → 100 × (2 − 1) / 3 = 33.33, not significant (3 < 5)
    j30 = result.row("all", round="J+30")
    assert j30.scores["nps"].value == pytest.approx(33.33)
    assert not j30.scores["nps"].significant
    # J+90: 8, 3, 10 → P 1, D 1 → 0
    assert result.row("all", round="J+90").scores["nps"].value == 0.0
    # over time: June holds the three J+30 answers, September the three J+90 ones
    assert result.row("all", period="2026-06").responses == 3
    sus = overall.scores["sus"]
    # a1: 85, a2: 50; a3 left item 4 blank → rejected; mean 67.5
    assert (sus.value, sus.n, sus.rejected) == (67.5, 2, 1)
    assert sus.reasons == ("response 3: SUS item 4 unanswered",)


def test_small_cells_are_withheld(store_url, make_config, write):
    from surveys.results import survey_scores

    _, _, store = _collect(make_config, write, store_url, min_group_size=4)
    try:
        with store.session() as session:
            result = survey_scores(session, min_group_size=4)
    finally:
        store.dispose()
    j30 = result.row("all", round="J+30")
    assert (j30.responses, j30.withheld, j30.scores) == (3, True, {})
    assert not result.row("all").withheld


def test_ambassador_sees_all_waves_and_own_teams_only(store_url, make_config, write):
    from metrics.viewer import Viewer
    from surveys.results import survey_scores

    _, _, store = _collect(make_config, write, store_url, min_group_size=1)
    try:
        with store.session() as session:
            result = survey_scores(
                session, min_group_size=1, viewer=Viewer("ambassador", frozenset({"Compta"}))
            )
    finally:
        store.dispose()
    teams = {r.scope for r in result.rows if r.scope.startswith("team:")}
    assert teams == {"team:Compta"}
    assert result.row("wave:v2") is not None


NPS_QUESTION = "On a scale of 0-10, how would you rate Sudzilla?"


def test_real_google_forms_export_scores_by_hand(store_url, make_config, real_sample):
    sample = real_sample("nps_survey_google_forms.csv")
    with open(sample, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    answers = [int(r[NPS_QUESTION]) for r in rows if r[NPS_QUESTION].strip()]
    n = len(answers)
    p = sum(a >= 9 for a in answers) / n
    d = sum(a <= 6 for a in answers) / n
    expected = round(100 * (p - d), 2)
    moe = Z95 * math.sqrt((p + d - (p - d) ** 2) / n) * 100
    # The keynote ratings are 0–10 questions too, but not mapped as NPS: they are not scored.
    keynote = [int(r[h]) for r in rows for h in rows[0] if "keynote" in h and r[h].strip()]
    assert keynote and instruments.nps(answers + keynote) != expected
    path = make_config(
        f"""
        sources:
          - name: sudzilla
            kind: survey
            format: google-forms
            path: {sample}
            questions:
              nps: "{NPS_QUESTION}"
              comment: ["...why?"]
        """,
        store=store_url,
    )
    assert CliRunner().invoke(main, ["collect", "--config", str(path)]).exit_code == 0
    result = CliRunner().invoke(main, ["surveys", "--config", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    (overall,) = [
        r for r in data["rows"] if r["scope"] == "all" and not r["round"] and not r["period"]
    ]
    assert overall["responses"] == len(rows)
    assert overall["scores"]["nps"]["value"] == expected
    assert overall["scores"]["nps"]["n"] == n
    assert overall["scores"]["nps"]["moe"] == pytest.approx(moe, abs=0.01)
    assert data["suppressed"] == []
    table = CliRunner().invoke(main, ["surveys", "--config", str(path), "--by", "period"])
    assert table.exit_code == 0 and "2019-11" in table.output


def test_survey_settings_are_validated(make_config):
    from hypercare.config import ConfigError, load_config
    from surveys.settings import survey_settings

    good = load_config(make_config("surveys: {ces: {scale: 5, mode: top_box}}\n"))
    assert survey_settings(good).ces == CesSettings(scale=5, mode="top_box", direction="up")
    with pytest.raises(ConfigError) as info:
        load_config(make_config("surveys: {min_responses: 0, ces: {scale: 10, modes: mean}}\n"))
    message = str(info.value)
    assert "surveys.min_responses: expected a whole number ≥ 1, found 0" in message
    assert "surveys.ces.scale: expected 5 or 7" in message
    assert "surveys.ces.modes: unknown key (did you mean 'mode'?)" in message
