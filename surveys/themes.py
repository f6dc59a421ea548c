"""Themes: similar feedback items grouped, labelled from their top terms, near-duplicates flagged.

The method (docs/backlog.md states it with its measured score):

1. each item's text becomes a TF-IDF vector over its words and word pairs (``surveys.text``:
   French and English stop words out, accents folded, plurals folded), sublinear term frequency,
   joined with a TF-IDF vector of character 3–5-grams within words (so that ``facture``,
   ``facturer`` and ``facturation`` meet), both L2-normalized and weighted equally;
2. agglomerative clustering (average linkage) on the cosine distance, cut at
   ``backlog.themes.distance``: items closer than that on average form one theme, an item close
   to nothing stays a theme of its own;
3. a theme's label is the three words of highest mean TF-IDF weight over its items, its title
   the title of its most central ticket (a ticket's subject is written to be a title), else of
   its most central item (highest cosine similarity with the mean vector);
4. two items whose cosine similarity reaches ``backlog.themes.duplicate_similarity`` are near
   duplicates: the later one is flagged ``duplicate_of`` the earlier.

People's changes are kept: an item moved by a merge or an unmerge is *locked* to its theme and
never moved by a new run; each new run keeps theme ids stable by giving every cluster the theme
most of its items had before.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from metrics.store.models import FeedbackItem, FeedbackTheme
from surveys.settings import BacklogSettings
from surveys.text import analyze, fold, tokens

MAX_CLUSTERED = 3000  # the most recent items clustered in one run (older ones keep their theme)
LABEL_TERMS = 3


@dataclass
class Vectors:
    """The TF-IDF vectors of a list of texts: words (for labels) and words + characters."""

    words: sparse.csr_matrix
    combined: sparse.csr_matrix
    vocabulary: list[str]


def vectorize(texts: Sequence[str]) -> Vectors:
    """TF-IDF of ``texts`` (see the module's docstring); every row L2-normalized."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    if not texts:  # no feedback yet: sklearn refuses an empty matrix
        empty = sparse.csr_matrix((0, 0))
        return Vectors(empty, empty, [])
    word_model = TfidfVectorizer(analyzer=analyze, sublinear_tf=True)
    try:
        words = word_model.fit_transform(texts)
        vocabulary = list(word_model.get_feature_names_out())
    except ValueError:  # no word left in any text
        words = sparse.csr_matrix((len(texts), 0))
        vocabulary = []
    char_model = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, preprocessor=_char_text
    )
    try:
        chars = char_model.fit_transform(texts)
    except ValueError:
        chars = sparse.csr_matrix((len(texts), 0))
    combined = normalize(sparse.hstack([words, chars]).tocsr())
    return Vectors(sparse.csr_matrix(words), combined, vocabulary)


def _char_text(text: str) -> str:
    return " ".join(tokens(text))


def similarities(vectors: Vectors) -> np.ndarray:
    """The cosine similarity of every pair of rows (the vectors are L2-normalized)."""
    return (vectors.combined @ vectors.combined.T).toarray()


def cluster(similarity: np.ndarray, distance: float) -> list[int]:
    """A cluster number per row: average-linkage clustering on cosine distance, cut at
    ``distance``."""
    from sklearn.cluster import AgglomerativeClustering

    n = similarity.shape[0]
    if n < 2:
        return [0] * n
    matrix = np.clip(1.0 - similarity, 0.0, 2.0)
    np.fill_diagonal(matrix, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=distance,
    )
    return [int(label) for label in model.fit_predict(matrix)]


def top_terms(vectors: Vectors, rows: Sequence[int], count: int = LABEL_TERMS) -> list[str]:
    """The ``count`` single words of highest mean TF-IDF weight over ``rows``."""
    if not rows or not vectors.vocabulary:
        return []
    mean = np.asarray(vectors.words[list(rows)].mean(axis=0)).ravel()
    order = np.argsort(-mean, kind="stable")
    terms = []
    for index in order:
        term = vectors.vocabulary[index]
        if mean[index] <= 0:
            break
        if " " not in term:
            terms.append(term)
        if len(terms) == count:
            break
    return terms


def central_row(vectors: Vectors, rows: Sequence[int]) -> int:
    """The row of ``rows`` most similar to their mean vector."""
    block = vectors.combined[list(rows)]
    centre = np.asarray(block.mean(axis=0)).ravel()
    scores = block @ centre
    return list(rows)[int(np.argmax(scores))]


def near_duplicates(similarity: np.ndarray, ids: Sequence[int], threshold: float) -> dict[int, int]:
    """Item id → the earlier item id it nearly repeats (cosine similarity ≥ ``threshold``)."""
    if len(ids) < 2:
        return {}
    order = sorted(range(len(ids)), key=lambda i: ids[i])
    found: dict[int, int] = {}
    for position, i in enumerate(order):
        for j in order[:position]:
            if similarity[i, j] >= threshold and ids[j] not in found:
                found[ids[i]] = ids[j]
                break
    return found


@dataclass(frozen=True)
class ThemeRun:
    """What a run of ``refresh_themes`` did."""

    items: int
    themes: int
    new_themes: int
    duplicates: int


def _text_of(item: FeedbackItem) -> str:
    if item.kind == "ticket" and item.title:
        return f"{item.title}\n{item.title}\n{item.text}"  # a ticket's subject weighs double
    return item.text


def refresh_themes(
    session: Session, settings: BacklogSettings, now: dt.datetime | None = None
) -> ThemeRun:
    """Cluster the items, keep theme ids stable and people's merges, relabel every theme."""
    now = now or dt.datetime.now(dt.UTC)
    items = list(session.scalars(select(FeedbackItem).order_by(FeedbackItem.id)))
    themes = {t.id: t for t in session.scalars(select(FeedbackTheme))}
    recent = items[-MAX_CLUSTERED:]
    vectors = vectorize([_text_of(i) for i in recent])
    similarity = similarities(vectors)
    labels = cluster(similarity, settings.theme_distance)
    duplicates = near_duplicates(similarity, [i.id for i in recent], settings.duplicate_similarity)
    del similarity
    for item in recent:
        item.duplicate_of = duplicates.get(item.id)

    groups: dict[int, list[int]] = defaultdict(list)
    for row, label in enumerate(labels):
        groups[label].append(row)
    manual = {t.id for t in themes.values() if t.manual}
    taken: set[int] = set()
    created = 0
    for rows in sorted(groups.values(), key=lambda r: (-len(r), recent[r[0]].id)):
        votes = Counter(recent[r].theme_id for r in rows if recent[r].theme_id in themes)
        chosen = next(
            (
                theme_id
                for theme_id, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
                if theme_id in manual or theme_id not in taken
            ),
            None,
        )
        if chosen is None:
            theme = FeedbackTheme(label="", manual=False, created_at=now, updated_at=now)
            session.add(theme)
            session.flush()
            themes[theme.id] = theme
            chosen = theme.id
            created += 1
        taken.add(chosen)
        for r in rows:
            if not recent[r].theme_locked:
                recent[r].theme_id = chosen
    for item in items:  # an item older than the clustered window and without a theme
        if item.theme_id not in themes:
            theme = FeedbackTheme(label="", manual=False, created_at=now, updated_at=now)
            session.add(theme)
            session.flush()
            themes[theme.id] = theme
            item.theme_id = theme.id
            created += 1
    session.flush()
    relabel(session, [t for t in themes.values()], items, now)
    used = {i.theme_id for i in items}
    empty = [t for t in themes if t not in used]
    if empty:
        session.execute(delete(FeedbackTheme).where(FeedbackTheme.id.in_(empty)))
    return ThemeRun(len(items), len(used), created, len(duplicates))


def relabel(
    session: Session,
    themes: Sequence[FeedbackTheme],
    items: Sequence[FeedbackItem],
    now: dt.datetime,
) -> None:
    """Recompute the label, terms and title of ``themes`` from their items."""
    members: dict[int, list[int]] = defaultdict(list)
    for row, item in enumerate(items):
        if item.theme_id is not None:
            members[item.theme_id].append(row)
    if not members:
        return
    wanted = {t.id for t in themes}
    rows_needed = sorted({r for t, rows in members.items() if t in wanted for r in rows})
    if not rows_needed:
        return
    vectors = vectorize([_text_of(items[r]) for r in rows_needed])
    position = {r: p for p, r in enumerate(rows_needed)}
    for theme in themes:
        rows = members.get(theme.id)
        if not rows:
            continue
        local = [position[r] for r in rows]
        terms = top_terms(vectors, local)
        # A ticket's subject is written to be a title: prefer the most central ticket's.
        tickets = [p for p, r in zip(local, rows, strict=True) if items[r].kind == "ticket"]
        best = items[rows_needed[central_row(vectors, tickets or local)]]
        label = " ".join(terms) or fold(best.title or best.text)[:80]
        title = best.title or best.text[:90]
        text_terms = "\n".join(terms)
        if (theme.label, theme.title, theme.terms) != (label, title, text_terms):
            theme.label, theme.title, theme.terms = label[:300], title[:300], text_terms
            theme.updated_at = now
