"""Survey instruments scored exactly as published.

Small pure functions: each takes the answers of one scope and returns the score, or None when
there is no answer to score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def nps(answers: Iterable[float]) -> float | None:
    """Net Promoter Score: % of 9–10 minus % of 0–6, on 0–10 answers (−100…100)."""
    values = list(answers)
    if not values:
        return None
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    return round(100 * (promoters - detractors) / len(values), 2)


def csat(answers: Iterable[float]) -> float | None:
    """CSAT: % of answers 4–5 on a 1–5 scale (0–100)."""
    values = list(answers)
    if not values:
        return None
    return round(100 * sum(1 for v in values if v >= 4) / len(values), 2)


def sus_score(items: Sequence[float]) -> float:
    """The SUS score of one complete response: odd items x−1, even items 5−x, sum × 2.5.

    ``items`` are the ten answers (1–5) in questionnaire order; raises ValueError otherwise.
    """
    if len(items) != 10:
        raise ValueError(f"a SUS response needs its 10 items, found {len(items)}")
    if any(not 1 <= v <= 5 for v in items):
        raise ValueError("SUS items are answered on a 1–5 scale")
    total = sum((v - 1) if i % 2 == 0 else (5 - v) for i, v in enumerate(items))
    return total * 2.5
