"""What a transaction remembers (metrics.memo) is forgotten when it ends."""

from metrics.memo import recall, remember, remembered
from metrics.store import open_store


def test_remembered_once_per_transaction_and_forgotten_at_its_end(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    calls = []
    try:
        with store.sessions() as session:
            session.connection()  # a transaction begins
            assert remembered(session, "k", lambda: calls.append(1) or len(calls)) == 1
            assert remembered(session, "k", lambda: calls.append(1) or len(calls)) == 1
            remember(session, "p95", {"all": 1.0})
            assert recall(session, "p95") == {"all": 1.0}
            session.commit()
            assert recall(session, "p95") is None
            assert remembered(session, "k", lambda: calls.append(1) or len(calls)) == 2
            session.rollback()
            assert recall(session, "k") is None
        with store.session() as session:  # a new session starts empty
            assert recall(session, "k") is None
    finally:
        store.dispose()
