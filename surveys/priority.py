"""How the backlog ranks: reach, impact, confidence, effort, and the RICE, ICE and value/effort
scores (docs/backlog.md gives the same formulas with examples).

Pure functions over plain values, so that each rule can be checked by hand:

* reach = people × (1 + 0.5 × (teams − 1)): the distinct people behind an entry, widened by half
  for each further team that raised it;
* impact on the RICE rubric 0.25 (minimal), 0.5 (low), 1 (medium), 2 (high), 3 (massive):
  medium by default, high when a ticket has a high priority, massive when the entry is urgent;
  one step up when more than half of the reporters with an NPS answer are detractors (0–6), one
  step down when more than half are promoters (9–10); an impact set by people replaces it;
* confidence from how many kinds of source agree: one kind 0.5, two 0.8, three 1.0;
* effort set by people (default ``backlog.effort.default``, 1);
* RICE = reach × impact × confidence ÷ effort; ICE = impact × confidence × ease with
  ease = 1 ÷ effort; value/effort = reach × impact ÷ effort.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

IMPACT_RUBRIC: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 3.0)
IMPACT_LABELS = {0.25: "minimal", 0.5: "low", 1.0: "medium", 2.0: "high", 3.0: "massive"}
CONFIDENCE_BY_KINDS = {1: 0.5, 2: 0.8, 3: 1.0}


def reach(people: int, teams: int) -> float:
    """``people × (1 + 0.5 × (teams − 1))`` (teams counted from one)."""
    return people * (1 + 0.5 * (max(teams, 1) - 1))


def _step(value: float, steps: int) -> float:
    index = IMPACT_RUBRIC.index(value) + steps
    return IMPACT_RUBRIC[min(max(index, 0), len(IMPACT_RUBRIC) - 1)]


def rubric_impact(
    *, urgent: bool, high_priority: bool, reporters_nps: Sequence[float] = ()
) -> float:
    """The rubric's impact (see the module) from the entry's signals and its reporters' NPS
    answers (0–10, one per reporter)."""
    impact = 3.0 if urgent else 2.0 if high_priority else 1.0
    if reporters_nps:
        n = len(reporters_nps)
        detractors = sum(1 for v in reporters_nps if v <= 6)
        promoters = sum(1 for v in reporters_nps if v >= 9)
        if detractors * 2 > n:
            impact = _step(impact, +1)
        elif promoters * 2 > n:
            impact = _step(impact, -1)
    return impact


def confidence(kinds: Iterable[str]) -> float:
    """0.5, 0.8 or 1.0 as one, two or three kinds of source (survey, ticket, meeting) agree."""
    count = len(set(kinds))
    return CONFIDENCE_BY_KINDS.get(min(count, 3), 0.5)


def value(reach_: float, impact: float) -> float:
    """What fixing the entry is worth: reach × impact."""
    return reach_ * impact


def score(method: str, reach_: float, impact: float, confidence_: float, effort: float) -> float:
    """The entry's score by ``method`` (rice, ice or value_effort), rounded to 2 decimals."""
    if effort <= 0:
        raise ValueError(f"an effort must be positive, found {effort:g}")
    if method == "rice":
        result = reach_ * impact * confidence_ / effort
    elif method == "ice":
        result = impact * confidence_ * (1 / effort)
    elif method == "value_effort":
        result = reach_ * impact / effort
    else:
        raise ValueError(f"{method!r} is not a scoring method (rice, ice, value_effort)")
    return round(result, 2)


def is_quick_win(
    value_: float, effort: float | None, median_value: float, max_effort: float
) -> bool:
    """High value, low effort: an effort set by people at most ``max_effort`` and a value at
    least the median value of the open entries."""
    return effort is not None and effort <= max_effort and value_ >= median_value
