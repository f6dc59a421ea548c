"""Forecast of an adoption curve: when will a 0–1 rate reach its target at this pace, if ever.

Method:

- Days are counted from ``go_live`` (day 0) when given, else from the first day with a value.
- **S-curve** (preferred): ``rate(t) = L / (1 + exp(−k·(t − t0)))`` — ``L`` the level the curve
  levels off at (0 < L ≤ 1), ``k`` the growth rate per day, ``t0`` the day it is half-way to
  ``L``. Fitted by least squares with ``scipy.optimize.curve_fit`` (trust-region reflective,
  bounded; scipy is a dependency of scikit-learn, so always installed with it) from a fixed
  grid of starting points, keeping the best fit. It is used when there are at least
  ``MIN_SCURVE_POINTS`` days with a value and it explains at least ``MIN_SCURVE_R2`` of their
  variance.
- **Straight line** (fallback): ``rate(t) = intercept + slope·t`` by ordinary least squares,
  when the S-curve does not fit: too few days, flat or falling data.
- Below ``MIN_POINTS`` days with a value there is no forecast (``model="none"``).
- ``reached_on`` is the first day of the projection (the ``horizon_days`` days after the last
  day with a value) whose projected rate is at least the target, or — when the latest value
  already is — the first observed day at or above it (``already_reached``). Otherwise it is
  None and ``reason`` says why in words a manager can read.

Everything is deterministic. See docs/forecast.md.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit
from scipy.special import expit

from hypercare.formatting import format_date, format_percent

MIN_POINTS = 5
"""Fewer days with a value than this: no forecast at all."""

MIN_SCURVE_POINTS = 14
"""Fewer days with a value than this: a straight line, never an S-curve."""

MIN_SCURVE_R2 = 0.5
"""The S-curve is used only when it explains at least this share of the variance."""

UNCERTAIN_CEILING = 0.05
"""The ceiling ``L`` is called uncertain when its standard error is above this, when it is
within two standard errors of the target or when it sits at 100 % (the bound)."""

FLAT = 0.001
"""A straight line moving less than this per week (0.1 point) is called flat."""

TOLERANCE = 1e-9
"""Rates this far outside 0–1 are accepted as rounding; a projection this close to the target
counts as reaching it."""


@dataclass(frozen=True)
class Forecast:
    """A fitted adoption curve and what it says about reaching the target.

    ``model`` is ``"logistic"``, ``"linear"`` or ``"none"``; ``params`` holds ``L``, ``k``, ``t0``
    (logistic, ``t0`` in days from day 0) or ``slope`` (per day) and ``intercept`` (linear);
    ``fitted`` is the model on every day from the first to the last day with a value,
    ``projection`` on each of the ``horizon_days`` days after it (both clipped to 0–1); ``r2`` is
    the share of the variance explained (None without a model or for a constant series).
    """

    model: str
    reached_on: dt.date | None
    already_reached: bool
    params: dict[str, float]
    fitted: list[tuple[dt.date, float]]
    projection: list[tuple[dt.date, float]]
    r2: float | None
    reason: str


def fit(
    series: list[tuple[dt.date, float | None]],
    target: float,
    horizon_days: int = 365,
    go_live: dt.date | None = None,
) -> Forecast:
    """Fit the adoption curve of ``series`` and say when it reaches ``target``.

    ``series`` is one scope's daily rate (0–1; ``None`` when there is no data, skipped), with
    increasing days. Returns a Forecast whose ``reached_on`` is the first day the target is
    reached (observed, or projected within ``horizon_days`` after the last day with a value) or
    None, with a ``reason`` in plain English either way.

    Raises ValueError when ``target`` is not in (0, 1], ``horizon_days`` is below 1, a value is
    outside 0–1 or the days do not increase.
    """
    if not 0 < target <= 1:
        raise ValueError(f"target must be a rate in (0, 1], got {target}")
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be at least 1, got {horizon_days}")
    points = _valid_points(series)
    goal = format_percent(target, "en")
    first_hit = next((day for day, value in points if value >= target - TOLERANCE), None)
    already = bool(points) and points[-1][1] >= target - TOLERANCE
    reached_text = ""
    if already:
        now = format_percent(points[-1][1], "en")
        reached_text = (
            f"The {goal} target was reached on {format_date(first_hit, 'en')} (now {now})."
        )
    if len(points) < MIN_POINTS:
        reason = (
            reached_text
            if already
            else f"Not enough data to forecast: {len(points)} day(s) with a value, "
            f"at least {MIN_POINTS} needed."
        )
        return Forecast("none", first_hit if already else None, already, {}, [], [], None, reason)

    origin = go_live if go_live is not None else points[0][0]
    t = np.array([(day - origin).days for day, _ in points], dtype=float)
    y = np.array([value for _, value in points])
    first, last = points[0][0], points[-1][0]
    fitted_days = [first + dt.timedelta(i) for i in range((last - first).days + 1)]
    future_days = [last + dt.timedelta(i) for i in range(1, horizon_days + 1)]

    curve = _fit_logistic(t, y) if len(points) >= MIN_SCURVE_POINTS else None
    if curve is not None and (curve.r2 is None or curve.r2 < MIN_SCURVE_R2):
        curve = None
    if curve is None:
        curve = _fit_linear(t, y)

    def values(days: list[dt.date]) -> list[tuple[dt.date, float]]:
        ts = np.array([(day - origin).days for day in days], dtype=float)
        return list(zip(days, np.clip(curve.predict(ts), 0.0, 1.0).tolist(), strict=True))

    fitted = values(fitted_days)
    projection = values(future_days)
    if already:
        return Forecast(
            curve.name, first_hit, True, curve.params, fitted, projection, curve.r2, reached_text
        )
    reached_on = next((day for day, v in projection if v >= target - TOLERANCE), None)
    reason = _reason(curve, target, reached_on, origin, float(t[-1]), horizon_days)
    if first_hit is not None:
        now = format_percent(points[-1][1], "en")
        reason = (
            f"The {goal} target was reached on {format_date(first_hit, 'en')} but the rate is "
            f"back to {now}. {reason}"
        )
    return Forecast(
        curve.name, reached_on, False, curve.params, fitted, projection, curve.r2, reason
    )


@dataclass(frozen=True)
class _Curve:
    name: str
    params: dict[str, float]
    r2: float | None
    ceiling_stderr: float = 0.0

    def predict(self, t: np.ndarray) -> np.ndarray:
        p = self.params
        if self.name == "logistic":
            return _logistic(t, p["L"], p["k"], p["t0"])
        return p["intercept"] + p["slope"] * t

    def crossing(self, target: float) -> float | None:
        """The day (from day 0) the curve reaches ``target``; None if it never does."""
        p = self.params
        if self.name == "logistic":
            if p["L"] <= target:
                return None
            return p["t0"] - math.log(p["L"] / target - 1.0) / p["k"]
        if p["slope"] <= 0:
            return None
        return (target - p["intercept"]) / p["slope"]


def _valid_points(series: list[tuple[dt.date, float | None]]) -> list[tuple[dt.date, float]]:
    """The days with a value, checking that days increase and values are rates."""
    points: list[tuple[dt.date, float]] = []
    previous: dt.date | None = None
    for day, value in series:
        if previous is not None and day <= previous:
            raise ValueError(f"days must increase: {day} comes after {previous}")
        previous = day
        if value is None or not math.isfinite(value):
            continue
        if not -TOLERANCE <= value <= 1 + TOLERANCE:
            raise ValueError(f"{day}: {value} is not a rate between 0 and 1")
        points.append((day, min(max(float(value), 0.0), 1.0)))
    return points


def _logistic(t: np.ndarray, ceiling: float, k: float, t0: float) -> np.ndarray:
    return ceiling * expit(k * (t - t0))


def _logistic_jacobian(t: np.ndarray, ceiling: float, k: float, t0: float) -> np.ndarray:
    """The derivatives of ``_logistic`` by ``ceiling``, ``k`` and ``t0`` (one row per day)."""
    s = expit(k * (t - t0))
    slope = ceiling * s * (1.0 - s)
    return np.column_stack((s, slope * (t - t0), -slope * k))


def _r2(y: np.ndarray, predicted: np.ndarray) -> float | None:
    total = float(np.sum((y - y.mean()) ** 2))
    if total <= 1e-18:
        return None
    return 1.0 - float(np.sum((y - predicted) ** 2)) / total


def _fit_logistic(t: np.ndarray, y: np.ndarray) -> _Curve | None:
    """The best S-curve from a fixed grid of starting points, or None if none converged."""
    span = max(float(t[-1] - t[0]), 1.0)
    top = float(y.max())
    if top <= 0:
        return None
    half = t[np.argmax(y >= top / 2)]
    lower = (1e-3, 1e-4, float(t[0]) - 2 * span - 60)
    upper = (1.0, 2.0, float(t[-1]) + 2 * span + 365)
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for ceiling in (min(top, 1.0), 1.0):
        for k in (4.0 / span, 0.2):
            for t0 in (float(half), float(t[-1])):
                start = np.clip([max(ceiling, 1e-3), k, t0], lower, upper)
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", OptimizeWarning)
                        params, cov = curve_fit(
                            _logistic,
                            t,
                            y,
                            p0=start,
                            bounds=(lower, upper),
                            jac=_logistic_jacobian,
                            maxfev=5000,
                        )
                except (RuntimeError, ValueError):
                    continue
                sse = float(np.sum((y - _logistic(t, *params)) ** 2))
                if best is None or sse < best[0] - 1e-15:
                    best = (sse, params, cov)
    if best is None:
        return None
    _, (ceiling, k, t0), cov = best
    stderr = math.sqrt(cov[0, 0]) if np.isfinite(cov[0, 0]) and cov[0, 0] >= 0 else math.inf
    return _Curve(
        "logistic",
        {"L": float(ceiling), "k": float(k), "t0": float(t0)},
        _r2(y, _logistic(t, ceiling, k, t0)),
        ceiling_stderr=stderr,
    )


def _fit_linear(t: np.ndarray, y: np.ndarray) -> _Curve:
    """Ordinary least squares (closed form; a single day gives a flat line through it)."""
    centred = t - t.mean()
    spread = float(np.sum(centred**2))
    slope = float(np.sum(centred * (y - y.mean())) / spread) if spread > 0 else 0.0
    intercept = float(y.mean() - slope * t.mean())
    return _Curve(
        "linear",
        {"slope": slope, "intercept": intercept},
        _r2(y, intercept + slope * t),
    )


def _reason(
    curve: _Curve,
    target: float,
    reached_on: dt.date | None,
    origin: dt.date,
    last_t: float,
    horizon_days: int,
) -> str:
    """Why the target is, or is not, reached at this pace, in a manager's words."""
    goal = format_percent(target, "en")
    caveat = ""
    if curve.name == "logistic":
        ceiling, stderr = curve.params["L"], curve.ceiling_stderr
        decimals = 1 if abs(ceiling - target) < 0.01 else 0  # 80.3 % vs an 80 % target
        shape = f"the S-curve levels off at {format_percent(ceiling, 'en', decimals)}"
        if (
            ceiling >= 1.0 - 1e-6
            or stderr > UNCERTAIN_CEILING
            or abs(ceiling - target) < 2 * stderr
        ):
            caveat = " Uncertain: the data does not show yet where the curve levels off."
    else:
        slope = curve.params["slope"]
        per_week = format_percent(abs(slope) * 7, "en", 1).removesuffix("%")
        if abs(slope) * 7 < FLAT:
            level = format_percent(curve.params["intercept"] + slope * last_t, "en")
            shape = f"the rate is flat at {level}"
        elif slope < 0:
            shape = f"the rate is falling ({per_week} points a week)"
        else:
            shape = f"the rate rises {per_week} points a week"
    if reached_on is not None:
        when = format_date(reached_on, "en")
        return f"At this pace the {goal} target is reached on {when}: {shape}.{caveat}"
    crossing = curve.crossing(target)
    if crossing is None:
        below = ", below the target" if curve.name == "logistic" else ""
        return f"The {goal} target will not be reached at this pace: {shape}{below}.{caveat}"
    around = ""
    if last_t < crossing < last_t + 36_500:
        around = f" (around {format_date(origin + dt.timedelta(math.ceil(crossing)), 'en')})"
    return (
        f"The {goal} target is not reached within {horizon_days} days at this pace{around}: "
        f"{shape}.{caveat}"
    )
