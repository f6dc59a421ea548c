"""The inputs the fuzzing found crashing something, each as a plain test (docs/security.md, "Bad
input"): they stay fixed whatever the random draws of a run."""

from __future__ import annotations

import sqlite3
import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from collectors.readers.sql import describe_url
from collectors.run import collect
from collectors.values import DateParser, parse_level
from hypercare.config import ConfigError, hide_password, load_config
from metrics.store import open_store
from metrics.store.models import Quarantine, SourceCursor

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31T23:59:59", "0999-05-31"])
def test_dates_no_zone_can_convert_are_refused(text):
    with pytest.raises(ValueError, match="not a date between 1000 and 9998"):
        DateParser(dayfirst=True, fmt=None, source_tz=PARIS).parse(text)


def test_an_infinite_level_is_refused_not_an_overflow():
    with pytest.raises(ValueError, match="not a log level"):
        parse_level("1e309")


def collect_one(tmp_path: Path, store_url: str, source: str, files: dict[str, bytes]):
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    config_file = tmp_path / "hypercare.yaml"
    config_file.write_text(
        f"store: {{url: '{store_url}'}}\nprivacy: {{pseudonymize: false}}\nsources:\n"
        + textwrap.indent(textwrap.dedent(source), "  ")
    )
    config = load_config(config_file)
    store = open_store(config.store_url)
    try:
        (outcome,) = collect(config, store)
        with store.session() as session:
            reasons = [q.reason for q in session.scalars(select(Quarantine))]
            cursor = session.get(SourceCursor, outcome.name)
            cursor_value = cursor.value if cursor else None
    finally:
        store.dispose()
    return outcome, reasons, cursor_value


def test_a_year_one_activity_is_quarantined(tmp_path, store_url):
    report = (
        "Report Refresh Date,User Principal Name,Exchange Last Activity Date\n"
        "2026-05-31,jean@example.fr,0001-01-01\n"
        "2026-05-31,anne@example.fr,2026-05-30\n"
    )
    outcome, reasons, _ = collect_one(
        tmp_path,
        store_url,
        "- {name: m365, kind: usage, format: m365-active-users, path: m365.csv}",
        {"m365.csv": report.encode()},
    )
    (f,) = outcome.files
    assert (f.status, f.read, f.accepted, f.quarantined) == ("ok", 2, 1, 1)
    assert any("0001-01-01" in r for r in reasons)


def test_a_first_reply_of_a_trillion_minutes_is_quarantined(tmp_path, store_url):
    export = (
        "Id,Subject,Created at,First reply time in minutes\n"
        "1,Export,2026-05-30 10:00,1000000000000\n"
        "2,Export,2026-05-30 10:00,12\n"
    )
    outcome, reasons, _ = collect_one(
        tmp_path,
        store_url,
        "- {name: zd, kind: tickets, format: zendesk-csv, path: zd.csv}",
        {"zd.csv": export.encode()},
    )
    (f,) = outcome.files
    assert (f.status, f.read, f.accepted, f.quarantined) == ("ok", 2, 1, 1)
    assert any("is not a real duration" in r for r in reasons)


def test_a_watermark_mixing_numbers_and_text_moves_the_cursor(tmp_path, store_url):
    db = tmp_path / "legacy.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (mark, at, login)")
        conn.executemany(
            "INSERT INTO t VALUES (?, ?, ?)",
            [(5, "2026-05-30 10:00", "a"), ("x", "2026-05-30 11:00", "b"), (2.5, "bad", "c")],
        )
    outcome, _, cursor = collect_one(
        tmp_path,
        store_url,
        """\
        - name: legacy
          kind: usage
          format: sql
          url: sqlite:///legacy.db
          query: SELECT mark, at, login FROM t
          watermark: mark
          columns: {ts: at, user: login}
        """,
        {},
    )
    (f,) = outcome.files
    assert (f.status, f.read, f.accepted, f.quarantined) == ("ok", 3, 2, 1)
    assert cursor == "x"  # SQLite sorts text after numbers: the last row read


@pytest.mark.parametrize(
    "url", ["postgresql://hc:S3cret@db.example.fr:x/hc", "postgresql://hc:S3cret@[::1/hc"]
)
def test_a_url_with_a_bad_port_is_a_message_without_its_password(tmp_path, url):
    config_file = tmp_path / "hypercare.yaml"
    config_file.write_text(f"store: {{url: '{url}'}}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config_file)
    assert "store.url: expected a database URL" in str(caught.value)
    assert "S3cret" not in str(caught.value)
    assert "hc:***@" in str(caught.value)
    assert describe_url(url) == "(an invalid URL)"


def test_hide_password():
    assert hide_password("postgresql://hc:pw@db:x/hc") == "postgresql://hc:***@db:x/hc"
    assert hide_password("hc:p@w@db") == "hc:***@db"
    assert hide_password("sqlite:///a.db") == "sqlite:///a.db"
    assert hide_password("postgresql://hc@db/hc") == "postgresql://hc@db/hc"


def test_an_empty_key_is_named(tmp_path):
    config_file = tmp_path / "hypercare.yaml"
    config_file.write_text("'': 1\nprivacy: {' x': 2}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config_file)
    assert caught.value.problems[0].startswith("'': unknown key")
    assert caught.value.problems[1].startswith("privacy.' x': unknown key")


def test_a_file_that_is_not_utf8_says_where(tmp_path):
    config_file = tmp_path / "hypercare.yaml"
    config_file.write_bytes(b"locale: fr\ntimezone: Europe/Paris \xe9\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config_file)
    assert caught.value.problems == [
        "line 2: the file is not UTF-8 text (byte 0xe9 cannot be decoded); save it as UTF-8"
    ]


def test_a_value_mapped_to_another_type_is_quarantined_or_converted(tmp_path, store_url):
    log = (
        '{"time": "hier", "level": "ERROR", "msg": "a"}\n'
        '{"time": "2026-05-30T10:00:00Z", "level": "grave", "msg": "b"}\n'
        '{"time": "2026-05-30T10:00:00Z", "level": "liste", "msg": "c"}\n'
    )
    outcome, reasons, _ = collect_one(
        tmp_path,
        store_url,
        """\
        - name: app
          kind: errors
          format: jsonl
          path: app.jsonl
          values: {ts: {hier: false}, level: {grave: 50, liste: [1, 2]}}
        """,
        {"app.jsonl": log.encode()},
    )
    (f,) = outcome.files
    assert (f.status, f.read, f.accepted, f.quarantined) == ("ok", 3, 1, 2)
    assert any("'false' is not a date" in r for r in reasons), reasons
    assert any("maps it to list [1, 2], not a single value" in r for r in reasons), reasons


def test_a_watermark_too_long_for_a_cursor_fails_the_source(tmp_path, store_url):
    with sqlite3.connect(tmp_path / "legacy.db") as conn:
        conn.execute("CREATE TABLE t (mark, at, login)")
        conn.execute("INSERT INTO t VALUES (?, '2026-05-30 10:00', 'a')", ("x" * 201,))
    outcome, reasons, cursor = collect_one(
        tmp_path,
        store_url,
        """\
        - name: legacy
          kind: usage
          format: sql
          url: sqlite:///legacy.db
          query: SELECT mark, at, login FROM t
          watermark: mark
          columns: {ts: at, user: login}
        """,
        {},
    )
    (f,) = outcome.files
    assert f.status == "failed" and (f.read, reasons, cursor) == (0, [], None)
    assert f.error.startswith("sources[0].watermark: the last row's mark is 201 characters long")
