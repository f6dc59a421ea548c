"""E-mail and phone scrubbing measured on a labelled corpus (tests/data/scrub_corpus.tsv).

The corpus holds French and English feedback and ticket lines: e-mail addresses in many shapes
(accents, capitals, ``+tags``, obfuscated ``[at]``), French phone numbers in every common
format, foreign numbers, and near-misses that must stay (invoice and order numbers, dates,
amounts, SIRET/SIREN, IBAN, versions, IP addresses, ticket refs, times, ``logo@2x.png``).

Scoring, per kind: a detected span is a true positive when it overlaps a labelled span of that
kind, a false positive otherwise; a labelled span is found only when detected spans cover all of
it (a half-scrubbed number still leaks). Precision = TP / detected, recall = found / labelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from collectors.privacy import PII_EMAIL, PII_PHONE, PLACEHOLDERS, find_pii, scrub_text

CORPUS = Path(__file__).resolve().parent.parent / "data" / "scrub_corpus.tsv"
THRESHOLD = 0.95


@dataclass
class Line:
    number: int
    lang: str
    text: str
    labels: dict[str, list[tuple[int, int]]]


def _spans(text: str, values: str, number: int) -> list[tuple[int, int]]:
    spans = []
    for value in filter(None, (v.strip() for v in values.split(" || "))):
        start = text.find(value)
        assert start >= 0, f"scrub_corpus.tsv line {number}: {value!r} is not in the text"
        while start >= 0:
            spans.append((start, start + len(value)))
            start = text.find(value, start + len(value))
    return sorted(set(spans))


def load_corpus() -> list[Line]:
    lines = []
    header_seen = False
    for number, raw in enumerate(CORPUS.read_text(encoding="utf-8").splitlines(), start=1):
        if raw.startswith("#") or not raw.strip():
            continue
        if not header_seen:
            assert raw.split("\t") == ["lang", "text", "emails", "phones"]
            header_seen = True
            continue
        lang, text, emails, phones = raw.split("\t")
        labels = {
            PII_EMAIL: _spans(text, emails, number),
            PII_PHONE: _spans(text, phones, number),
        }
        lines.append(Line(number, lang, text, labels))
    return lines


@dataclass
class Score:
    true_positives: int = 0
    detected: int = 0
    found: int = 0
    labelled: int = 0

    @property
    def precision(self) -> float:
        return self.true_positives / self.detected if self.detected else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.labelled if self.labelled else 1.0


def _covered(span: tuple[int, int], detected: list[tuple[int, int]]) -> bool:
    start, end = span
    return all(any(a <= i < b for a, b in detected) for i in range(start, end))


def measure(lines: list[Line]) -> tuple[dict[str, Score], list[str]]:
    scores = {PII_EMAIL: Score(), PII_PHONE: Score()}
    mistakes = []
    for line in lines:
        found = find_pii(line.text)
        for kind, score in scores.items():
            detected = [(a, b) for k, a, b in found if k == kind]
            labelled = line.labels[kind]
            score.detected += len(detected)
            score.labelled += len(labelled)
            for a, b in detected:
                if any(a < y and x < b for x, y in labelled):
                    score.true_positives += 1
                else:
                    mistakes.append(f"line {line.number}: false {kind} {line.text[a:b]!r}")
            for span in labelled:
                if _covered(span, detected):
                    score.found += 1
                else:
                    x, y = span
                    mistakes.append(f"line {line.number}: missed {kind} {line.text[x:y]!r}")
    return scores, mistakes


def test_corpus_is_large_mixed_and_labelled():
    lines = load_corpus()
    assert len(lines) >= 300
    assert {line.lang for line in lines} == {"fr", "en"}
    with_email = sum(bool(line.labels[PII_EMAIL]) for line in lines)
    with_phone = sum(bool(line.labels[PII_PHONE]) for line in lines)
    clean = sum(not line.labels[PII_EMAIL] and not line.labels[PII_PHONE] for line in lines)
    assert with_email >= 80 and with_phone >= 80 and clean >= 80


@pytest.mark.parametrize("kind", [PII_EMAIL, PII_PHONE])
def test_scrubbing_precision_and_recall(kind: str, capsys: pytest.CaptureFixture[str]):
    scores, mistakes = measure(load_corpus())
    score = scores[kind]
    with capsys.disabled():
        print(
            f"\n{kind}: precision {score.precision:.3f} ({score.true_positives}/{score.detected})"
            f", recall {score.recall:.3f} ({score.found}/{score.labelled})"
        )
    detail = "\n".join(m for m in mistakes if f" {kind} " in m)
    assert score.precision >= THRESHOLD, detail
    assert score.recall >= THRESHOLD, detail


def test_scrubbed_lines_keep_their_near_misses_and_lose_every_label():
    for line in load_corpus():
        scrubbed = scrub_text(line.text)
        placeholders = sum(scrubbed.count(p) for p in PLACEHOLDERS.values())
        if not line.labels[PII_EMAIL] and not line.labels[PII_PHONE]:
            continue
        for kind in (PII_EMAIL, PII_PHONE):
            for a, b in line.labels[kind]:
                if _covered((a, b), [(x, y) for k, x, y in find_pii(line.text) if k == kind]):
                    assert line.text[a:b] not in scrubbed
        assert placeholders >= 1


def test_measure_counts_misses_and_false_alarms():
    """The scorer itself: a missed label and a false alarm each lower their figure."""
    line = Line(1, "fr", "tél 06 12 34 56 78, a@b.fr", {PII_EMAIL: [], PII_PHONE: []})
    scores, _ = measure([line])
    assert scores[PII_PHONE].precision < 1 and scores[PII_EMAIL].precision < 1
    line = Line(1, "fr", "appeler Jean", {PII_EMAIL: [], PII_PHONE: [(8, 12)]})
    scores, _ = measure([line])
    assert scores[PII_PHONE].recall == 0
