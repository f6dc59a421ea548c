"""Results remembered for one transaction of a session: a report asks some questions twice (which
features are small, then their KPIs; the p95 of teams, then of features, from one read).

What is remembered is forgotten when the session's outermost transaction ends (commit, rollback
or close), so a later transaction never sees figures from before its data changed.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

T = TypeVar("T")
_KEY = "hypercare.memo"


def recall(session: Session, key: Hashable) -> Any | None:
    """What ``remember`` kept under ``key`` in this transaction, or None."""
    return session.info.get(_KEY, {}).get(key)


def remember(session: Session, key: Hashable, value: T) -> T:
    """Keep ``value`` under ``key`` until the transaction ends; returns it."""
    session.connection()  # begins the transaction whose end forgets it, if none is open
    session.info.setdefault(_KEY, {})[key] = value
    return value


def remembered(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per transaction for ``key``."""
    session.connection()  # begins the transaction whose end forgets it, if none is open
    memo = session.info.setdefault(_KEY, {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_KEY, None)
