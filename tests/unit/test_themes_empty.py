"""Themes of a store without any feedback (a company that collects only usage): no error."""

from metrics.store import open_store
from surveys.settings import BacklogSettings
from surveys.themes import cluster, similarities, vectorize


def test_vectorize_nothing():
    vectors = vectorize([])
    assert vectors.combined.shape[0] == 0
    assert cluster(similarities(vectors), 0.8) == []


def test_refresh_themes_on_a_store_without_feedback(store_url):
    from surveys.themes import refresh_themes

    store = open_store(store_url)
    try:
        with store.session() as session:
            run = refresh_themes(session, BacklogSettings())
            assert (run.items, run.themes, run.duplicates) == (0, 0, 0)
    finally:
        store.dispose()
