"""metrics.anomalies on synthetic daily series: weekly pattern, noise, planted spikes and dips."""

import dataclasses
import datetime as dt

import numpy as np
import pytest

from metrics.anomalies import Anomaly, detect

START = dt.date(2026, 3, 2)  # a Monday


def weekly(days: int, seed: int, noise: float = 3.0, weekend: float = 0.25) -> list:
    """Weekday usage around 100 with a slow rise, weekends at ``weekend`` × that, normal noise."""
    rng = np.random.default_rng(seed)
    series = []
    for i in range(days):
        day = START + dt.timedelta(i)
        level = 100 + 0.2 * i
        if day.weekday() >= 5:
            level *= weekend
        series.append((day, float(level + rng.normal(0, noise))))
    return series


def plant(series: list, changes: dict[int, float]) -> list:
    return [(day, value + changes.get(i, 0.0)) for i, (day, value) in enumerate(series)]


# Day index → change, 7 to 8 noise standard deviations, on weekdays and on weekends.
PLANTED = {30: 25.0, 48: -21.0, 61: 25.0, 73: -25.0, 95: 24.0, 111: -21.0}


def test_planted_spikes_and_dips_are_found_and_nothing_else():
    series = plant(weekly(130, seed=11), PLANTED)
    weekdays = {(START + dt.timedelta(i)).weekday() for i in PLANTED}
    assert weekdays & {5, 6} and weekdays - {5, 6}, "plants on weekdays and on weekends"
    found = detect(series)
    by_day = {(a.day - START).days: a for a in found}
    for index, change in PLANTED.items():
        assert index in by_day, f"planted change on day {index} not found: {found}"
        assert by_day[index].direction == ("high" if change > 0 else "low")
        assert by_day[index].score > 3.0
    assert set(by_day) == set(PLANTED), f"false positives: {set(by_day) - set(PLANTED)}"


def test_anomaly_reports_value_expected_and_direction():
    series = plant(weekly(60, seed=3), {45: -30.0})
    (anomaly,) = detect(series)
    day, value = series[45]
    assert anomaly.day == day and anomaly.value == value
    assert anomaly.direction == "low" and anomaly.expected > value
    assert anomaly.expected == pytest.approx(100 + 0.2 * 45, abs=6)  # day 45 is a Tuesday


def test_weekend_drop_is_not_an_anomaly():
    # Weekends almost empty, weekdays busy: a strong pattern that a plain z-score would flag.
    for seed in range(3):
        # Day 65 is a Thursday dipping by 7 noise standard deviations: still found.
        series = plant(weekly(120, seed=seed, weekend=0.02), {65: -21.0})
        found = detect(series)
        assert [a for a in found if a.day.weekday() >= 5] == []
        days = [(a.day - START).days for a in found]
        assert 65 in days and len(days) <= 2, days  # at most one weekday false alarm
    noiseless = [(day, 100.0 if day.weekday() < 5 else 2.0) for day, _ in weekly(90, seed=0)]
    assert detect(noiseless) == []


def test_a_weekend_day_as_busy_as_a_weekday_is_flagged():
    series = weekly(100, seed=12)
    saturday = 68
    assert series[saturday][0].weekday() == 5
    series[saturday] = (series[saturday][0], 100.0)  # a normal weekday level, on a Saturday
    (anomaly,) = detect(series)
    assert anomaly.day == series[saturday][0] and anomaly.direction == "high"
    assert anomaly.expected == pytest.approx(0.25 * (100 + 0.2 * saturday), abs=5)


def test_false_alarm_rate_matches_the_sensitivity():
    # Pure normal noise around a weekly pattern: at 3 standard deviations about 0.27 % of days.
    judged = flagged = 0
    for seed in (21, 22):
        series = weekly(300, seed=seed)
        flagged += len(detect(series))
        judged += len(series) - 21
    assert flagged / judged < 0.01, (flagged, judged)
    loose = detect(weekly(300, seed=21), sensitivity=2.0)
    assert 0.01 < len(loose) / 279 < 0.10  # at 2: about 4.6 %


def test_constant_series_gives_nothing_and_a_change_after_it_is_flagged():
    assert detect([(START + dt.timedelta(i), 42.0) for i in range(60)]) == []
    assert detect([(START + dt.timedelta(i), 0.0) for i in range(60)]) == []
    series = [(START + dt.timedelta(i), 0.5) for i in range(40)] + [(START + dt.timedelta(40), 0.7)]
    (jump,) = detect(series)
    assert jump.day == START + dt.timedelta(40) and jump.direction == "high"
    assert jump.expected == pytest.approx(0.5)


def test_gaps_are_skipped_and_history_counts_valid_days():
    series = plant(weekly(100, seed=5), {70: 26.0})
    rng = np.random.default_rng(9)
    holes = set(rng.choice(np.arange(1, 100), size=12, replace=False).tolist()) - {70}
    holes |= set(range(50, 57))  # a whole week without data
    gappy = [(day, None if i in holes else value) for i, (day, value) in enumerate(series)]
    found = [(a.day - START).days for a in detect(gappy)]
    assert 70 in found
    assert not set(found) & holes, "a day without data was flagged"
    assert len(found) <= 2, found  # at most one borderline false alarm after the missing week


def test_only_days_after_min_history_valid_points_are_judged():
    series = plant(weekly(40, seed=2), {10: 40.0, 16: 40.0})
    series = [(day, None if i < 5 else value) for i, (day, value) in enumerate(series)]
    # Days 10 and 16 have only 5 and 11 valid days before them: never judged.
    assert detect(series) == []
    assert detect(series, min_history=14) == []
    series = plant(weekly(40, seed=2), {25: 40.0})
    assert [(a.day - START).days for a in detect(series)] == [25]  # 25 valid days before it
    assert detect(series, min_history=26) == []


def test_sensitivity_flags_fewer_days_when_higher():
    series = plant(weekly(120, seed=8), {40: 15.0, 80: -12.0, 100: 30.0})
    low, default, high = (detect(series, s) for s in (2.0, 3.0, 6.0))
    assert {a.day for a in high} <= {a.day for a in default} <= {a.day for a in low}
    assert [(a.day - START).days for a in high] == [100]
    assert all(a.score > 6.0 for a in high)


def test_same_days_for_counts_and_for_rates():
    counts = plant(weekly(100, seed=4), {60: 25.0, 75: -25.0})
    rates = [(day, value / 1000) for day, value in counts]
    assert [a.day for a in detect(rates)] == [a.day for a in detect(counts)]
    assert [a.day for a in detect(counts)] == [START + dt.timedelta(60), START + dt.timedelta(75)]


def test_deterministic_causal_and_since():
    series = plant(weekly(140, seed=6), {50: 25.0, 120: -25.0})
    found = detect(series)
    assert detect(series) == found
    # Later data never changes the verdict on an earlier day.
    assert detect(series[:100]) == [a for a in found if a.day < series[100][0]]
    cut = series[110][0]
    assert detect(series, since=cut) == [a for a in found if a.day >= cut]


def test_anomaly_is_frozen():
    anomaly = Anomaly(START, 1.0, 2.0, 5.0, "low")
    with pytest.raises(dataclasses.FrozenInstanceError):
        anomaly.score = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs", [{"sensitivity": 0.0}, {"sensitivity": -1.0}, {"min_history": 7}]
)
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        detect(weekly(30, seed=0), **kwargs)


def test_days_must_increase():
    series = weekly(30, seed=0)
    with pytest.raises(ValueError, match="increase"):
        detect([*series, series[3]])
