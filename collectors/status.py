"""Each source's last collect: when it ran, when it last succeeded, its last error.

The ingest ledger only has a row for a file or batch that was read; a run that found nothing new
(every file already read) or that could not start (no file matches the glob) leaves none there.
``source_status`` keeps both, so that freshness is the age of the last successful run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from metrics.store.models import SourceStatus

if TYPE_CHECKING:
    from collectors.run import SourceOutcome
    from metrics.store import Store

_ERROR_LIMIT = 2000


def _error_of(outcome: SourceOutcome) -> str | None:
    if outcome.error:
        return outcome.error
    found = [f.error for f in outcome.files if f.status == "failed" and f.error]
    return found[0] if found else ("failed" if outcome.failed else None)


def record_status(store: Store, outcomes: Iterable[SourceOutcome], at: dt.datetime) -> None:
    """Write how each source of a run went (one short transaction; retried once when another
    collector inserted the same source meanwhile)."""
    outcomes = list(outcomes)
    if not outcomes:
        return
    for attempt in (1, 2):
        try:
            with store.session() as session:
                for outcome in outcomes:
                    row = session.get(SourceStatus, outcome.name)
                    if row is None:
                        row = SourceStatus(source=outcome.name)
                        session.add(row)
                    row.kind = outcome.kind
                    row.last_run_at = at
                    error = _error_of(outcome)
                    if error is None:
                        row.last_success_at = at
                    else:
                        row.last_error_at = at
                        row.last_error = error[:_ERROR_LIMIT]
            return
        except IntegrityError:
            if attempt == 2:
                raise
