"""A score with its sample: response count, margin of error and whether it is significant.

The formulas are in ``instruments.py``; this module adds what a reader needs to trust a number
(docs/surveys.md states each method):

* NPS: the variance of a difference of two proportions of one multinomial sample,
  ``Var = (p + d − (p − d)²) ÷ n`` with ``p`` the promoters' share and ``d`` the detractors',
  margin ``z × √Var × 100`` points;
* shares (CSAT, CES top box): ``z × √(p (1 − p) ÷ n) × 100`` points (Wald);
* means (CES mean, SUS, UMUX-Lite): ``t(n − 1) × s ÷ √n`` with ``s`` the sample standard
  deviation (n − 1 in the denominator);
* below ``min_responses`` a score is computed but marked not significant.

``z`` and ``t`` are two-sided quantiles for the configured confidence (95 % by default).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

from surveys import instruments


@dataclass(frozen=True)
class Score:
    """One instrument's score over one set of answers."""

    instrument: str  # nps | csat | ces | sus | umux_lite
    method: str  # nps, csat, ces:mean, ces:top_box, sus, umux_lite
    value: float | None
    n: int  # answers (NPS, CSAT, CES) or complete responses (SUS, UMUX-Lite) scored
    moe: float | None  # half-width of the confidence interval, in the score's unit
    variance: float | None  # of the value, in the score's unit squared (to compare two scores)
    significant: bool  # n ≥ min_responses
    rejected: int = 0  # responses refused (incomplete SUS / UMUX-Lite sets)
    reasons: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        """The JSON form (``variance`` left out: it is a means to compare)."""
        return {
            "instrument": self.instrument,
            "method": self.method,
            "value": _round(self.value),
            "n": self.n,
            "moe": _round(self.moe),
            "significant": self.significant,
            "rejected": self.rejected,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class Difference:
    """The change from one score to another (a later round, another team)."""

    value: float | None
    moe: float | None
    significant: bool  # both scores significant and |value| > moe


def z_value(confidence: float) -> float:
    """The two-sided normal quantile: 1.96 for 0.95."""
    return NormalDist().inv_cdf((1 + confidence) / 2)


def t_value(confidence: float, df: int) -> float:
    """The two-sided Student quantile with ``df`` degrees of freedom: 2.262 for 0.95, df 9."""
    from scipy.stats import t  # scipy comes with scikit-learn

    return float(t.ppf((1 + confidence) / 2, df))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def score_nps(values: Sequence[float], min_responses: int, confidence: float = 0.95) -> Score:
    """NPS of 0–10 answers with its margin of error."""
    n = len(values)
    value = instruments.nps(values)
    if value is None:
        return Score("nps", "nps", None, 0, None, None, False)
    p = sum(1 for v in values if v >= 9) / n
    d = sum(1 for v in values if v <= 6) / n
    variance = 100**2 * (p + d - (p - d) ** 2) / n
    moe = z_value(confidence) * math.sqrt(variance)
    return Score("nps", "nps", value, n, moe, variance, n >= min_responses)


def score_share(
    instrument: str,
    method: str,
    hits: int,
    n: int,
    min_responses: int,
    confidence: float = 0.95,
) -> Score:
    """A share of answers (``hits`` of ``n``) in 0–100 with its Wald margin of error."""
    if n == 0:
        return Score(instrument, method, None, 0, None, None, False)
    p = hits / n
    variance = 100**2 * p * (1 - p) / n
    moe = z_value(confidence) * math.sqrt(variance)
    return Score(instrument, method, round(100 * p, 2), n, moe, variance, n >= min_responses)


def score_csat(values: Sequence[float], min_responses: int, confidence: float = 0.95) -> Score:
    """CSAT (% of 4–5 on 1–5) with its margin of error."""
    hits = sum(1 for v in values if v >= 4)
    return score_share("csat", "csat", hits, len(values), min_responses, confidence)


def score_mean(
    instrument: str,
    method: str,
    values: Sequence[float],
    min_responses: int,
    confidence: float = 0.95,
    rejected: Sequence[str] = (),
) -> Score:
    """A mean with its t-based margin of error (none for a single value)."""
    n = len(values)
    reasons = tuple(rejected)
    if n == 0:
        return Score(instrument, method, None, 0, None, None, False, len(reasons), reasons)
    mean = sum(values) / n
    if n == 1:
        return Score(instrument, method, mean, 1, None, None, False, len(reasons), reasons)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    variance = sd**2 / n
    moe = t_value(confidence, n - 1) * math.sqrt(variance)
    significant = n >= min_responses
    return Score(instrument, method, mean, n, moe, variance, significant, len(reasons), reasons)


def score_ces(
    values: Sequence[float],
    min_responses: int,
    *,
    mode: str = "mean",
    scale_max: int = 7,
    confidence: float = 0.95,
) -> Score:
    """CES on its declared scale (1–``scale_max``): the mean, or the top-box share."""
    if mode not in instruments.CES_MODES:
        raise ValueError(f"CES mode {mode!r} is not one of {', '.join(instruments.CES_MODES)}")
    kept = [v for v in values if 1 <= v <= scale_max]
    off = len(values) - len(kept)
    reasons = (f"{off} answer(s) above the declared 1–{scale_max} scale",) if off else ()
    if mode == "mean":
        return score_mean("ces", "ces:mean", kept, min_responses, confidence, rejected=reasons)
    hits = sum(1 for v in kept if v >= scale_max - 2)
    score = score_share("ces", "ces:top_box", hits, len(kept), min_responses, confidence)
    return Score(**{**score.__dict__, "rejected": len(reasons), "reasons": reasons})


def score_per_response(
    instrument: str,
    responses: Sequence[tuple[str, dict[int, float]]],
    min_responses: int,
    confidence: float = 0.95,
) -> Score:
    """SUS or UMUX-Lite: each complete response scored, then the mean with its margin.

    ``responses`` are (response ref, item number → answer); an incomplete set is rejected with
    its reason (``response 14: SUS items 3, 7 unanswered``) and left out of the mean.
    """
    expected, low, high, formula = {
        "sus": (10, 1, 5, instruments.sus_score),
        "umux_lite": (2, 1, 7, instruments.umux_lite_score),
    }[instrument]
    scores: list[float] = []
    reasons: list[str] = []
    for ref, answers in responses:
        try:
            items = instruments.complete_items(instrument, answers, expected, low, high)
        except instruments.IncompleteResponse as exc:
            reasons.append(f"response {ref}: {exc}")
            continue
        scores.append(formula(items))
    return score_mean(instrument, instrument, scores, min_responses, confidence, reasons)


def difference(earlier: Score, later: Score, confidence: float = 0.95) -> Difference:
    """``later − earlier`` with the margin ``z × √(Var₁ + Var₂)`` (independent samples)."""
    if earlier.value is None or later.value is None:
        return Difference(None, None, False)
    value = later.value - earlier.value
    if earlier.variance is None or later.variance is None:
        return Difference(value, None, False)
    moe = z_value(confidence) * math.sqrt(earlier.variance + later.variance)
    significant = earlier.significant and later.significant and abs(value) > moe
    return Difference(value, moe, significant)
