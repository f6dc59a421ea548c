"""Error-log entries: level normalization, scrubbing, deduplication and quarantine."""

import datetime as dt

import pytest
from sqlalchemy import select

from collectors.run import collect
from collectors.values import parse_level
from hypercare.config import load_config
from metrics.store import open_store
from metrics.store.models import ErrorEvent, Quarantine


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("ERROR", "error"),
        ("Warning", "warning"),
        ("WARN", "warning"),
        ("50", "error"),  # pino / bunyan
        ("60", "critical"),
        ("30", "info"),
        ("fatal", "critical"),  # Sentry
        ("Erreur", "error"),
        ("CRITICAL", "critical"),
        ("debug", "debug"),
    ],
)
def test_parse_level(text, level):
    assert parse_level(text) == level


def test_parse_level_refuses_unknown():
    with pytest.raises(ValueError, match="'7' is not a log level"):
        parse_level("7")


def test_collect_error_log(store_url, make_config, write):
    write(
        "errors.csv",
        "asctime,levelname,name,message,user\n"
        "2026-05-31 10:00:00,ERROR,billing.pdf,PDF failed for jean.dupont@x.fr,u1\n"
        "2026-05-31 10:00:00,ERROR,billing.pdf,PDF failed for jean.dupont@x.fr,u1\n"
        "2026-05-31 22:30:00,50,sync,call me on 06 12 34 56 78,\n"
        "2026-05-31 11:00:00,NOISE,sync,?,u2\n",
    )
    path = make_config(
        """
        timezone: Europe/Paris
        sources:
          - name: app-errors
            kind: errors
            path: errors.csv
            dates: {timezone: UTC}
            columns: {ts: asctime, level: levelname, module: name}
        """,
        store=store_url,
    )
    config = load_config(path)
    store = open_store(config.store_url)
    try:
        (outcome,) = collect(config, store)
        (f,) = outcome.files
        assert (f.read, f.accepted, f.duplicates, f.quarantined) == (4, 2, 1, 1)
        with store.session() as session:
            rows = session.execute(
                select(
                    ErrorEvent.day, ErrorEvent.level, ErrorEvent.module, ErrorEvent.message
                ).order_by(ErrorEvent.ts)
            ).all()
            reason = session.scalar(select(Quarantine.reason))
        assert rows == [
            (dt.date(2026, 5, 31), "error", "billing.pdf", "PDF failed for [e-mail]"),
            # 22:30 UTC is 00:30 on 1 June in Paris
            (dt.date(2026, 6, 1), "error", "sync", "call me on [téléphone]"),
        ]
        assert reason == "column 'levelname' (level): 'NOISE' is not a log level " + (
            "(expected e.g. INFO, WARNING, ERROR, 50)"
        )
        (again,) = collect(config, store)
        assert [f.status for f in again.files] == ["skipped"]
    finally:
        store.dispose()
