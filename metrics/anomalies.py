"""Anomalies in a daily KPI series: days far from what their weekday and the recent trend predict.

Method — a one-day-ahead prediction interval from a robust regression on the weekday and a trend
(scikit-learn's ``HuberRegressor`` to set past incidents aside, then least squares):

1. Each day ``d`` that has a value and at least ``min_history`` valid days before it is judged
   against a model fitted on valid days *before* ``d`` only: the last ``max(min_history,
   WINDOW)`` of them, so that the model follows a level that moves during a rollout and so that
   adding later data never changes the verdict on an earlier day.
2. The model is ``value ≈ β[weekday] + γ·share[weekday]·weeks``: one level per day of the week
   (the weekend drop is expected, never an anomaly) plus a linear trend, scaled by the weekday's
   share of usage (from a classical multiplicative decomposition of the history), so that when
   usage grows a weekend at a quarter of a weekday's level grows a quarter as fast.
3. Past incidents are set aside first: a Huber fit (which gives large residuals little weight)
   finds the history days whose leave-one-out residual is more than ``OUTLIER_CUT`` robust
   standard deviations (1.4826 × the median absolute residual) away; then days more than
   ``CLIP`` residual standard deviations off the least-squares fit of the others are dropped,
   and re-admitted when they no longer are, until the set is stable.
4. Counts are noisier where they are higher (weekdays; later in a growing rollout): the noise
   variance is modelled as ``level ** power``, with the power 0 (constant noise), ½ or 1
   (Poisson-like) chosen by maximum likelihood — 0 unless another fits clearly better — and the
   model is refitted by weighted least squares.
5. The day's standardized gap is ``t = (value − expected) / (s · sqrt(1/w + h))``, with ``s`` the
   residual standard deviation (``n − p`` degrees of freedom, ``p = 8``), ``w`` the day's noise
   weight and ``h`` its leverage (the uncertainty of the fitted levels and of extrapolating the
   trend).
6. ``score`` is ``|t|`` expressed in standard deviations of a normal distribution with the same
   tail probability (Student's t with ``n − p`` degrees of freedom → normal), so that it means
   the same with three weeks of history as with eight: with normally distributed noise a day
   scores above 3 on 0.27 % of days. The day is an anomaly when ``score > sensitivity``;
   ``direction`` says whether it was above (``"high"``) or below (``"low"``) the expected value.

Why not an IsolationForest on (residual, weekday): it needs far more history than a new rollout
has, its ``contamination`` setting is a share of days to flag rather than a sensitivity, and it
says neither what value was expected nor in which direction the day was off.

See docs/anomalies.md for the parameters, their defaults and the limits.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import special, stats
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import HuberRegressor
from threadpoolctl import threadpool_limits

WINDOW = 56
"""Valid days of history the model is fitted on (8 weeks), unless ``min_history`` is larger."""

MIN_HISTORY = 14
"""The smallest ``min_history`` accepted: two of each weekday (the model has 8 parameters)."""

MIN_SAME_WEEKDAY = 2
"""A day is judged only when at least this many history days of its weekday are kept."""

MIN_DEGREES_OF_FREEDOM = 3
"""A day is judged only when the fit leaves at least this many degrees of freedom."""

OUTLIER_CUT = 5.0
"""History days this many robust standard deviations off the Huber fit are set aside."""

CLIP = 3.5
"""Then, days this many residual standard deviations off the least-squares fit are set aside."""

HUBER_EPSILON = 2.0
"""Residuals beyond this many scale units get a linear, not quadratic, loss in the Huber fit."""

SPREAD_FLOOR = 1e-6
"""The smallest residual standard deviation, as a fraction of the level (at least 1): it only
matters for a history that never varied, where any change is then flagged."""

NOISE_POWERS = (0.0, 0.5, 1.0)
"""Candidate powers of the level for the noise variance (constant, square root, Poisson-like)."""

LIKELIHOOD_MARGIN = 1.0
"""A power other than 0 must raise the log-likelihood by this much to be chosen."""

LEVEL_FLOOR = 0.1
"""Levels below this share of the mean level count as that much, when weighting the noise."""

MAD_TO_SD = 1.4826
"""MAD × this = standard deviation, for normal noise."""


@dataclass(frozen=True)
class Anomaly:
    """A day whose value is ``score`` standard deviations from the ``expected`` one.

    ``score`` is never negative; ``direction`` is ``"high"`` (above expected) or ``"low"``.
    """

    day: dt.date
    value: float
    expected: float
    score: float
    direction: str  # "high" | "low"


def detect(
    series: list[tuple[dt.date, float | None]],
    sensitivity: float = 3.0,
    min_history: int = 21,
    *,
    since: dt.date | None = None,
) -> list[Anomaly]:
    """The anomalous days of ``series``, in date order.

    ``series`` is one scope's daily series: ``(day, value)`` pairs with increasing days, value
    ``None`` when there is no data. ``sensitivity`` is the number of standard deviations a day
    must be away from its expected value to be flagged (higher flags fewer days; 3 ≈ one false
    alarm a year on normal noise). Only days with at least ``min_history`` valid days before
    them are judged; ``None`` values are skipped, never flagged and never used as history. With
    ``since``, only days on or after it are judged (earlier days still serve as history), which
    is what a daily alert run needs. A constant series gives no anomalies. The result depends on
    the input only (no randomness); a day's verdict depends only on the days before it.

    Raises ValueError when ``sensitivity`` is not positive, ``min_history`` is below
    ``MIN_HISTORY`` or the days do not increase.
    """
    if not sensitivity > 0:
        raise ValueError(f"sensitivity must be positive, got {sensitivity}")
    if min_history < MIN_HISTORY:
        raise ValueError(f"min_history must be at least {MIN_HISTORY} days, got {min_history}")
    points = _valid_points(series)
    window = max(min_history, WINDOW)
    # One estimator for the whole series: each fit starts from the previous day's solution.
    huber = HuberRegressor(
        epsilon=HUBER_EPSILON, alpha=1e-6, fit_intercept=False, max_iter=1000, warm_start=True
    )
    found: list[Anomaly] = []
    # The matrices are tiny: BLAS threads only add overhead, a lot of it on a busy machine.
    with threadpool_limits(limits=1, user_api="blas"):
        for i in range(min_history, len(points)):
            day, value = points[i]
            if since is not None and day < since:
                continue
            judged = _judge(points[max(0, i - window) : i], day, value, huber)
            if judged is not None and judged.score > sensitivity:
                found.append(judged)
    return found


def _valid_points(series: list[tuple[dt.date, float | None]]) -> list[tuple[dt.date, float]]:
    """The days with a finite value, checking that the days increase."""
    points: list[tuple[dt.date, float]] = []
    previous: dt.date | None = None
    for day, value in series:
        if previous is not None and day <= previous:
            raise ValueError(f"days must increase: {day} comes after {previous}")
        previous = day
        if value is not None and math.isfinite(value):
            points.append((day, float(value)))
    return points


def _weekday_shares(days: list[dt.date], values: np.ndarray) -> np.ndarray:
    """Each weekday's usual level relative to the average day, 1 for all when it can't be told.

    Classical multiplicative decomposition: for the days whose 7-day centred window is complete
    (a linear trend cancels out in it), the weekday's values summed ÷ their window means summed
    (sums rather than a median of ratios: stable when the level is near 0), at least 0, scaled
    to average 1. Needs such a day for every weekday.
    """
    by_day = dict(zip(days, values.tolist(), strict=True))
    sums, means = np.zeros(7), np.zeros(7)
    for day, value in by_day.items():
        week = [by_day.get(day + dt.timedelta(offset)) for offset in range(-3, 4)]
        if all(v is not None for v in week):
            sums[day.weekday()] += value
            means[day.weekday()] += sum(week) / 7  # type: ignore[arg-type]
    if np.any(means <= 0):
        return np.ones(7)
    shares = np.maximum(sums / means, 0.0)
    return shares / shares.mean() if shares.mean() > 0 else np.ones(7)


def _features(days: list[dt.date], origin: dt.date, shares: np.ndarray) -> np.ndarray:
    """One 0/1 column per weekday, and the time in weeks from ``origin`` × the weekday's share."""
    x = np.zeros((len(days), 8))
    for row, day in enumerate(days):
        x[row, day.weekday()] = 1.0
        x[row, 7] = (day - origin).days / 7.0 * shares[day.weekday()]
    return x


def _judge(
    history: list[tuple[dt.date, float]], day: dt.date, value: float, huber: HuberRegressor
) -> Anomaly | None:
    """How far ``value`` on ``day`` is from the model fitted on ``history`` (None: can't say)."""
    days = [d for d, _ in history]
    y_raw = np.array([v for _, v in history])
    # Standardized units, so that the fits behave the same for rates and for counts.
    center = float(np.median(y_raw))
    unit = float(np.max(np.abs(y_raw - center))) or 1.0
    y = (y_raw - center) / unit
    origin = days[len(days) // 2]  # a centred trend is better conditioned
    x = _features(days, origin, np.ones(7))
    keep = _inliers(x, y, huber)
    dof = int(keep.sum()) - x.shape[1]
    if dof < MIN_DEGREES_OF_FREEDOM or x[keep, day.weekday()].sum() < MIN_SAME_WEEKDAY:
        return None
    # The trend in proportion to each weekday's usual level: a weekend at a quarter of a weekday's
    # level grows a quarter as fast (all shares are 1 when there is no weekly pattern).
    shares = _weekday_shares([d for d, kept in zip(days, keep, strict=True) if kept], y_raw[keep])
    x = _features(days, origin, shares)
    x0 = _features([day], origin, shares)[0]
    xk, yk = x[keep], y[keep]
    weights, weight0 = _noise_weights(
        xk, yk, x0, center, unit, nonnegative=bool(np.all(y_raw >= 0))
    )
    root = np.sqrt(weights)
    coef = _least_squares(xk * root[:, None], yk * root)
    residuals = yk - xk @ coef
    rss = float(weights @ residuals**2)
    floor = SPREAD_FLOOR * max(1.0, abs(center)) / unit
    s = max(math.sqrt(rss / dof), floor)
    leverage = float(x0 @ np.linalg.pinv(xk.T @ (xk * weights[:, None])) @ x0)
    expected_z = float(x0 @ coef)
    gap = (value - center) / unit - expected_z
    t = abs(gap) / (s * math.sqrt(1.0 / weight0 + leverage))
    score = float(-special.ndtri_exp(stats.t.logsf(t, dof)))
    if not math.isfinite(score):
        score = t
    expected = center + expected_z * unit
    return Anomaly(day, value, expected, max(score, 0.0), "high" if gap > 0 else "low")


def _noise_weights(
    x: np.ndarray, y: np.ndarray, x0: np.ndarray, center: float, unit: float, nonnegative: bool
) -> tuple[np.ndarray, float]:
    """Weights (1 / relative noise variance) of the history days and of the judged day.

    Counts are noisier where they are higher (weekdays, and as usage grows): the variance is
    modelled as ``level ** power``, the power (0, ½ or 1) chosen by maximum likelihood, 0 unless
    another fits clearly better (and always 0 for series with negative values).
    """
    ones = np.ones(len(y))
    if not nonnegative:
        return ones, 1.0
    coef = _least_squares(x, y)
    levels = center + unit * (x @ coef)
    lowest = LEVEL_FLOOR * max(float(np.mean(np.abs(levels))), 1e-12)
    levels = np.maximum(levels, lowest)
    level0 = max(center + unit * float(x0 @ coef), lowest)
    best = (-math.inf, ones, 1.0)
    for power in NOISE_POWERS:
        scale = float(np.mean(levels**-power))
        weights = levels**-power / scale
        root = np.sqrt(weights)
        fit = _least_squares(x * root[:, None], y * root)
        rss = float(weights @ (y - x @ fit) ** 2)
        if rss <= 0:
            return ones, 1.0
        likelihood = -len(y) / 2 * math.log(rss / len(y)) + 0.5 * float(np.sum(np.log(weights)))
        if likelihood > best[0] + (LIKELIHOOD_MARGIN if power else 0.0):
            best = (likelihood, weights, level0**-power / scale)
    return best[1], best[2]


def _least_squares(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Ordinary least squares without intercept (what ``LinearRegression(fit_intercept=False)``
    computes, without its per-call overhead: it runs several times for every judged day)."""
    return np.linalg.lstsq(x, y, rcond=None)[0]


def _inliers(x: np.ndarray, y: np.ndarray, huber: HuberRegressor) -> np.ndarray:
    """The history days kept for the fit: all but the past spikes and dips (a boolean mask)."""
    if np.all(y == y[0]):
        return np.ones(len(y), dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        huber.fit(x, y)
    hat = np.einsum("ij,jk,ik->i", x, np.linalg.pinv(x.T @ x), x)
    loo = (y - huber.predict(x)) / np.sqrt(np.clip(1.0 - hat, 1e-6, None))
    sigma = MAD_TO_SD * float(np.median(np.abs(loo)))
    if sigma == 0.0:  # most days fitted exactly (e.g. weekends always 0)
        sigma = math.sqrt(math.pi / 2) * float(np.mean(np.abs(loo)))
    keep = np.abs(loo) <= OUTLIER_CUT * sigma if sigma > 0 else np.ones(len(y), dtype=bool)
    for _ in range(5):
        if keep.sum() <= x.shape[1]:
            break
        residuals = y - x @ _least_squares(x[keep], y[keep])
        dof = int(keep.sum()) - x.shape[1]
        s = math.sqrt(float(residuals[keep] @ residuals[keep]) / dof)
        again = np.abs(residuals) <= CLIP * s if s > 0 else keep
        if np.array_equal(again, keep):
            break
        keep = again
    return keep
