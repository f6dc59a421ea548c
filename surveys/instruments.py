"""Survey instruments scored exactly as published.

Small pure functions: each takes the answers of one scope and returns the score, or None when
there is no answer to score. Per-response instruments (SUS, UMUX-Lite) score one response and
raise ``IncompleteResponse`` (with the reason) when its set of items is not complete.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

CES_MODES = ("mean", "top_box")


class IncompleteResponse(ValueError):
    """A response whose items cannot be scored (missing or off-scale items); ``str()`` says why."""


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


def ces_mean(answers: Iterable[float]) -> float | None:
    """CES, ``mean`` mode: the mean answer on the instrument's declared scale (e.g. 1–7)."""
    values = list(answers)
    if not values:
        return None
    return round(sum(values) / len(values), 4)


def ces_top_box(answers: Iterable[float], scale_max: int = 7) -> float | None:
    """CES, ``top_box`` mode: % of answers in the top three points of the scale (5–7 on 1–7,
    3–5 on 1–5), i.e. "agree that it was easy" in CES 2.0 (0–100)."""
    values = list(answers)
    if not values:
        return None
    return round(100 * sum(1 for v in values if v >= scale_max - 2) / len(values), 2)


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


def umux_lite_score(items: Sequence[float]) -> float:
    """UMUX-Lite of one complete response, raw form (Lewis, Utesch & Maher 2013):
    ``((item1 − 1) + (item2 − 1)) ÷ 12 × 100`` on two 1–7 items (0–100).

    The regression-adjusted form (``0.65 × raw + 22.9``, comparable with SUS) is
    ``umux_lite_sus_equivalent``; the raw form is the one Hypercare reports.
    """
    if len(items) != 2:
        raise ValueError(f"a UMUX-Lite response needs its 2 items, found {len(items)}")
    if any(not 1 <= v <= 7 for v in items):
        raise ValueError("UMUX-Lite items are answered on a 1–7 scale")
    return (items[0] - 1 + items[1] - 1) / 12 * 100


def umux_lite_sus_equivalent(raw: float) -> float:
    """The regression-adjusted UMUX-Lite (SUS-comparable): ``0.65 × raw + 22.9``."""
    return 0.65 * raw + 22.9


def complete_items(
    instrument: str, answers: dict[int, float], expected: int, low: float, high: float
) -> list[float]:
    """The ``expected`` items of one response in order (1…expected), or IncompleteResponse.

    ``answers`` maps item number → answer. The reason names what is missing or off scale:
    ``SUS items 3, 7 unanswered``.
    """
    label = {"sus": "SUS", "umux_lite": "UMUX-Lite"}.get(instrument, instrument)
    missing = [i for i in range(1, expected + 1) if i not in answers]
    if missing:
        listed = ", ".join(map(str, missing))
        noun = "item" if len(missing) == 1 else "items"
        raise IncompleteResponse(f"{label} {noun} {listed} unanswered")
    off = [i for i in range(1, expected + 1) if not low <= answers[i] <= high]
    if off:
        listed = ", ".join(f"{i} ({answers[i]:g})" for i in off)
        raise IncompleteResponse(f"{label} items off the {low:g}–{high:g} scale: {listed}")
    return [answers[i] for i in range(1, expected + 1)]
