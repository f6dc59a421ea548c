"""metrics.forecast on synthetic adoption curves with known parameters."""

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest

from metrics.forecast import Forecast, fit

GO_LIVE = dt.date(2026, 3, 2)


def logistic(
    ceiling: float,
    k: float,
    t0: float,
    days: range,
    noise: float = 0.01,
    seed: int = 0,
    origin: dt.date = GO_LIVE,
) -> list[tuple[dt.date, float | None]]:
    """A rate ``ceiling / (1 + exp(−k (t − t0)))`` on day ``t`` from ``origin``, with noise."""
    rng = np.random.default_rng(seed)
    return [
        (
            origin + dt.timedelta(t),
            float(np.clip(ceiling / (1 + math.exp(-k * (t - t0))) + rng.normal(0, noise), 0, 1)),
        )
        for t in days
    ]


def crossing_day(ceiling: float, k: float, t0: float, target: float) -> dt.date:
    """The first whole day the noiseless curve is at or above ``target``."""
    return GO_LIVE + dt.timedelta(math.ceil(t0 - math.log(ceiling / target - 1) / k))


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_target_date_of_a_known_curve_is_recovered(seed):
    # 90 % ceiling, half-way on day 30: the 80 % target falls on day 48; data until day 44.
    series = logistic(0.9, 0.12, 30, range(45), seed=seed)
    forecast = fit(series, 0.8, go_live=GO_LIVE)
    truth = crossing_day(0.9, 0.12, 30, 0.8)
    assert forecast.model == "logistic"
    assert not forecast.already_reached
    assert forecast.reached_on is not None
    assert abs((forecast.reached_on - truth).days) <= 3, (forecast.reached_on, truth)
    assert forecast.params["L"] == pytest.approx(0.9, abs=0.03)
    assert forecast.params["k"] == pytest.approx(0.12, rel=0.15)
    assert forecast.params["t0"] == pytest.approx(30, abs=2)
    assert forecast.r2 is not None and forecast.r2 > 0.95
    assert forecast.reached_on.isoformat() in forecast.reason


def test_days_count_from_go_live_even_when_data_starts_later():
    # The team's data starts 10 days after go-live, with a missing week.
    series = logistic(0.9, 0.1, 35, range(10, 55), seed=7)
    series = [(day, None if 20 <= i < 27 else value) for i, (day, value) in enumerate(series)]
    forecast = fit(series, 0.85, go_live=GO_LIVE)
    assert forecast.params["t0"] == pytest.approx(35, abs=3)
    truth = crossing_day(0.9, 0.1, 35, 0.85)
    assert forecast.reached_on is not None
    assert abs((forecast.reached_on - truth).days) <= 3, (forecast.reached_on, truth)
    # Without go_live, day 0 is the first day with a value: same curve, t0 shifted by 10 days.
    shifted = fit(series, 0.85)
    assert shifted.params["t0"] == pytest.approx(forecast.params["t0"] - 10, abs=0.5)
    assert shifted.reached_on == forecast.reached_on


def test_fitted_and_projection_cover_the_expected_days():
    series = logistic(0.9, 0.12, 30, range(45))
    series[5] = (series[5][0], None)
    forecast = fit(series, 0.8, horizon_days=90, go_live=GO_LIVE)
    assert [day for day, _ in forecast.fitted] == [day for day, _ in series]
    last = series[-1][0]
    assert [day for day, _ in forecast.projection] == [last + dt.timedelta(i) for i in range(1, 91)]
    values = [v for _, v in forecast.fitted + forecast.projection]
    assert all(0 <= v <= 1 for v in values)
    assert values == sorted(values)  # an S-curve only rises
    first_at_target = next(day for day, v in forecast.projection if v >= 0.8)
    assert forecast.reached_on == first_at_target


def test_curve_levelling_off_below_target_never_reaches_it():
    series = logistic(0.67, 0.15, 20, range(90), seed=3)
    forecast = fit(series, 0.8, go_live=GO_LIVE)
    assert forecast.model == "logistic"
    assert forecast.reached_on is None and not forecast.already_reached
    assert forecast.params["L"] == pytest.approx(0.67, abs=0.01)
    assert "67%" in forecast.reason and "80%" in forecast.reason
    assert "will not be reached" in forecast.reason
    assert max(v for _, v in forecast.projection) < 0.8


def test_target_beyond_the_horizon_gives_the_date_it_would_come():
    # Ceiling 81 %: the 80 % target comes on day 128, after a 20-day horizon from day 99.
    series = logistic(0.81, 0.05, 40, range(100), noise=0.0)
    forecast = fit(series, 0.8, horizon_days=20, go_live=GO_LIVE)
    assert forecast.reached_on is None
    assert "not reached within 20 days" in forecast.reason
    assert crossing_day(0.81, 0.05, 40, 0.8).isoformat() in forecast.reason
    assert len(forecast.projection) == 20
    assert fit(series, 0.8, go_live=GO_LIVE).reached_on == crossing_day(0.81, 0.05, 40, 0.8)


def test_already_reached():
    series = logistic(0.9, 0.12, 30, range(80), seed=1)
    forecast = fit(series, 0.8, go_live=GO_LIVE)
    assert forecast.already_reached
    first = next(day for day, value in series if value is not None and value >= 0.8)
    assert forecast.reached_on == first
    assert abs((first - crossing_day(0.9, 0.12, 30, 0.8)).days) <= 3
    assert "reached on" in forecast.reason and first.isoformat() in forecast.reason
    assert forecast.model == "logistic"


def test_reached_then_fell_back_is_not_already_reached():
    series = logistic(0.9, 0.12, 30, range(60), seed=1)
    series += [(GO_LIVE + dt.timedelta(60 + i), 0.78 - 0.002 * i) for i in range(20)]
    forecast = fit(series, 0.8, go_live=GO_LIVE)
    assert not forecast.already_reached
    assert "back to" in forecast.reason


def test_few_points_fall_back_to_a_straight_line():
    series = [(GO_LIVE + dt.timedelta(i), 0.10 + 0.02 * i) for i in range(8)]
    forecast = fit(series, 0.8, go_live=GO_LIVE)
    assert forecast.model == "linear"
    assert forecast.params["slope"] == pytest.approx(0.02)
    assert forecast.params["intercept"] == pytest.approx(0.10)
    assert forecast.reached_on == GO_LIVE + dt.timedelta(35)  # 0.10 + 0.02 × 35 = 0.80
    assert "points a week" in forecast.reason


def test_too_few_points_say_so():
    series = [(GO_LIVE + dt.timedelta(i), v) for i, v in enumerate([0.1, None, 0.2, 0.3])]
    forecast = fit(series, 0.8)
    assert forecast.model == "none" and forecast.reached_on is None
    assert forecast.fitted == [] and forecast.projection == [] and forecast.r2 is None
    assert "Not enough data" in forecast.reason and "3 day(s)" in forecast.reason
    assert fit([], 0.8).model == "none"


def test_flat_and_falling_data_fall_back_and_never_reach():
    rng = np.random.default_rng(5)
    flat = [(GO_LIVE + dt.timedelta(i), 0.5 + rng.normal(0, 0.005)) for i in range(40)]
    forecast = fit(flat, 0.8)
    assert forecast.model == "linear" and forecast.reached_on is None
    assert "flat at 50%" in forecast.reason
    constant = fit([(GO_LIVE + dt.timedelta(i), 0.5) for i in range(40)], 0.8)
    assert constant.model == "linear" and constant.r2 is None and constant.reached_on is None
    falling = fit([(GO_LIVE + dt.timedelta(i), 0.6 - 0.003 * i) for i in range(40)], 0.8)
    assert falling.model == "linear" and falling.reached_on is None
    assert "falling" in falling.reason


def test_early_curve_is_flagged_as_uncertain():
    # Data only up to the half-way point: the ceiling cannot be told yet.
    forecast = fit(logistic(0.9, 0.12, 30, range(26), seed=2), 0.8, go_live=GO_LIVE)
    assert forecast.model == "logistic"
    assert "Uncertain" in forecast.reason


def test_deterministic_and_frozen():
    series = logistic(0.9, 0.12, 30, range(45), seed=9)
    first = fit(series, 0.8, go_live=GO_LIVE)
    assert fit(series, 0.8, go_live=GO_LIVE) == first
    assert isinstance(first, Forecast)
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.model = "linear"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("series", "kwargs", "match"),
    [
        ([(GO_LIVE, 0.5)], {"target": 0.0}, "target"),
        ([(GO_LIVE, 0.5)], {"target": 80.0}, "target"),
        ([(GO_LIVE, 0.5)], {"target": 0.8, "horizon_days": 0}, "horizon"),
        ([(GO_LIVE, 1.5)], {"target": 0.8}, "rate"),
        ([(GO_LIVE, 0.5), (GO_LIVE, 0.6)], {"target": 0.8}, "increase"),
    ],
)
def test_bad_input_is_refused(series, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fit(series, **kwargs)
