"""The JSON Lines reader: pino and python-json-logger files with their gotchas (built in code),
collected through the pipeline on SQLite and PostgreSQL, and fuzzed (never raises, one row per
non-blank line)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from collectors.privacy import Pseudonymizer
from collectors.readers import READERS, FileError, jsonl
from collectors.readers.jsonl import epoch_to_iso, level_name, read_jsonl
from collectors.run import collect
from hypercare.config import SourceConfig, load_config
from metrics.store import open_store
from metrics.store.models import ErrorEvent, IngestFile, Quarantine, UsageEvent

SOURCE = SourceConfig(name="app", kind="usage", format="jsonl", path="x.jsonl", index=0)
BOM = b"\xef\xbb\xbf"
# 1717171717171 ms: computed by hand as 19874 days (2024-05-31) + 58117.171 s (16:08:37.171).
PINO_MS = 1717171717171
PINO_ISO = "2024-05-31T16:08:37.171000+00:00"
NOT_OBJECT = "line is not a JSON object: "

# pino, written by a Windows service: BOM, CRLF, nested keys, a blank line, a line that is an
# array, a line of binary junk, and a last line cut short by a crash.
PINO = (
    BOM
    + b'{"level":30,"time":1717171717171,"pid":7,"user":{"id":3,"team":"Compta"},'
    + b'"msg":"invoice.create","ok":true,"tags":["a","b"],"amount":12.5,"ctx":{},"err":null}\r\n'
    + b"\r\n"
    + b'{"level":50,"time":1717171777,"user":{"id":"A2"},"msg":"invoice.send",'
    + b'"note":"d\xc3\xa9j\xc3\xa0 envoy\xc3\xa9e"}\r\n'
    + b'[{"level":30}]\r\n'
    + b"\x00\xff\xfe junk \x1b[0m\r\n"
    + b'{"level":"WARN","time":"2024-06-01T08:00:00+02:00","user":{"id":3},"msg":"quote.create"}\n'
    + b'{"level":30,"time":1717171999000,"user":{"id":3},"msg":"payme'
)


def rows_of(path: Path):
    reading = read_jsonl(path)
    return reading.header, list(reading.rows)


def test_golden_pino_file(write):
    path = write("jsonl_pino_bom_crlf_truncated.jsonl", PINO)
    header, rows = rows_of(path)
    assert header == [
        "level",
        "time",
        "pid",
        "user.id",
        "user.team",
        "msg",
        "ok",
        "tags",
        "amount",
        "ctx",
        "err",
        "time_iso",
        "level_name",
        "note",
    ]
    assert [(r.line, r.number) for r in rows] == [(1, 1), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7)]
    by_line = {r.line: r for r in rows}
    assert by_line[1].values == {
        "level": "30",
        "time": str(PINO_MS),
        "pid": "7",
        "user.id": "3",
        "user.team": "Compta",
        "msg": "invoice.create",
        "ok": "true",
        "tags": '["a","b"]',
        "amount": "12.5",
        "ctx": "{}",
        "err": "",
        "time_iso": PINO_ISO,
        "level_name": "info",
    }
    assert by_line[1].raw.startswith('{"level":30,')  # no BOM, no CR
    assert by_line[3].values == {
        "level": "50",
        "time": "1717171777",
        "user.id": "A2",
        "msg": "invoice.send",
        "note": "déjà envoyée",
        "time_iso": "2024-05-31T16:09:37+00:00",  # epoch seconds
        "level_name": "error",
    }
    assert by_line[4].values is None
    assert by_line[4].error == NOT_OBJECT + "found an array"
    assert by_line[4].raw == '[{"level":30}]'
    assert by_line[5].values is None
    assert by_line[5].error == NOT_OBJECT + "byte 0xff at position 1 is not UTF-8"
    assert by_line[5].raw == "\\x00\\xff\\xfe junk \\x1b[0m"  # storable, nothing hidden
    assert by_line[6].values["time_iso"] == "2024-06-01T08:00:00+02:00"  # an ISO time as is
    assert by_line[6].values["level_name"] == "warn"
    assert by_line[7].values is None
    assert by_line[7].error.startswith(NOT_OBJECT + "Unterminated string starting at")
    assert by_line[7].raw == '{"level":30,"time":1717171999000,"user":{"id":3},"msg":"payme'


def test_python_json_logger_style(write):
    path = write(
        "jsonl_python_json_logger.jsonl",
        '{"asctime": "2026-05-02 09:00:00,123", "levelname": "ERROR", "name": "billing.pdf", '
        '"message": "export failed for a1@x.fr", "user": "A1", "exc_info": "Traceback…\\n  x"}\n'
        '{"asctime": "2026-05-02 09:05:00,000", "levelname": "INFO", "name": "billing", '
        '"message": "ok", "extra": {"request": {"id": "r-1", "ms": 12}}}\n',
    )
    header, rows = rows_of(path)
    assert header == [
        "asctime",
        "levelname",
        "name",
        "message",
        "user",
        "exc_info",
        "time_iso",
        "level_name",
        "extra.request.id",
        "extra.request.ms",
    ]
    assert rows[0].values["time_iso"] == "2026-05-02 09:00:00,123"  # text: read in the source zone
    assert rows[0].values["level_name"] == "error"
    assert rows[0].values["exc_info"] == "Traceback…\n  x"
    assert rows[1].values["extra.request.ms"] == "12"
    assert rows[1].values["level_name"] == "info"


def test_epoch_seconds_and_milliseconds():
    assert epoch_to_iso(PINO_MS) == PINO_ISO
    assert epoch_to_iso(1717171717.5) == "2024-05-31T16:08:37.500000+00:00"
    assert epoch_to_iso(0) == "1970-01-01T00:00:00+00:00"
    assert epoch_to_iso(1e11) == "5138-11-16T09:46:40+00:00"  # the last value read as seconds
    assert epoch_to_iso(100_000_000_001) == "1973-03-03T09:46:40.001000+00:00"  # milliseconds
    assert epoch_to_iso(1e300) is None


@pytest.mark.parametrize(
    ("level", "name"),
    [
        (10, "trace"),
        (20, "debug"),
        (30, "info"),
        (40, "warn"),
        (50, "error"),
        (60, "fatal"),
        (30.0, "info"),
        (35, "35"),  # not a pino level: left for parse_level to refuse
        ("WARNING", "warning"),
        (" Error ", "error"),
        (True, "true"),
    ],
)
def test_level_names(level, name):
    assert level_name(level) == name


def test_derived_columns_choose_keys_in_order_and_never_override_the_line(write):
    path = write(
        "jsonl_time_keys.jsonl",
        '{"ts": 1717171717, "@timestamp": "2024-01-01T00:00:00Z"}\n'
        '{"time": null, "timestamp": 1717171717171}\n'
        '{"time": 1e400, "severity": "NOTICE"}\n'
        '{"time": 1, "time_iso": "mine", "level": 30, "level_name": "own"}\n'
        '{"log": {"level": "warn"}, "level": ""}\n'
        '{"msg": "no time"}\n',
    )
    _, rows = rows_of(path)
    values = [r.values for r in rows]
    assert values[0]["time_iso"] == "2024-01-01T00:00:00Z"  # @timestamp comes before ts
    assert values[1]["time_iso"] == PINO_ISO  # a null time gives way to the next key
    assert values[2]["time_iso"] == "Infinity"  # out of range: the text, refused later
    assert values[2]["level_name"] == "notice"
    assert (values[3]["time_iso"], values[3]["level_name"]) == ("mine", "own")
    assert values[4]["level_name"] == "warn"  # ECS log.level, the empty level skipped
    assert "time_iso" not in values[5] and "level_name" not in values[5]


def test_unstorable_text_and_odd_json(write):
    path = write(
        "jsonl_odd_values.jsonl",
        '{"a": "x\\u0000y", "b\\u0000": "\\ud800", "c": [1, {"d": null}], "e": 1E3}\n'
        '{"a": NaN}\n'
        '{"a": 1} {"b": 2}\n'
        '"just a string"\n'
        "null\n"
        '{"a": "tab\there"}\n' + "[" * 100_000 + "\n" + '{"a": {"b": {"c": 1}}, "a.b.c": 2}\n',
    )
    header, rows = rows_of(path)
    assert rows[0].values == {
        "a": "x\ufffdy",
        "b\ufffd": "\ufffd",
        "c": '[1,{"d":null}]',
        "e": "1000.0",
    }
    assert [r.error for r in rows[1:5]] == [
        NOT_OBJECT + "NaN is not valid JSON",
        NOT_OBJECT + "Extra data: line 1 column 10 (char 9)",
        NOT_OBJECT + "found a string",
        NOT_OBJECT + "found null",
    ]
    assert rows[5].values == {"a": "tab\there"}  # a raw tab inside a string is tolerated
    assert rows[6].error == NOT_OBJECT + "the JSON is nested too deeply"
    assert rows[7].values == {"a.b.c": "2"}  # the same column twice: the later one wins
    assert header.count("a.b.c") == 1


def test_an_overlong_line_is_one_bad_row_and_reading_goes_on(write, monkeypatch):
    monkeypatch.setattr(jsonl, "MAX_LINE_BYTES", 64)
    path = write("jsonl_long_line.jsonl", '{"a": "' + "x" * 500 + '"}\n{"a": "short"}\n')
    header, rows = rows_of(path)
    assert header == ["a"]
    assert rows[0].error == NOT_OBJECT + "the line is longer than 64 bytes"
    assert rows[0].raw.startswith('{"a": "xxx')
    assert (rows[1].line, rows[1].values) == (2, {"a": "short"})


def test_raw_text_is_cut_to_a_sane_length(write):
    path = write("jsonl_long_raw.jsonl", '{"a": "' + "é" * 40_000 + "\n")
    (row,) = rows_of(path)[1]
    assert row.values is None
    assert len(row.raw) == jsonl.RAW_LIMIT and row.raw.endswith("…")


def test_lines_appended_while_reading_wait_for_the_next_run(write):
    path = write("jsonl_growing.jsonl", '{"a": 1}\n{"a": 2}\n')
    reading = read_jsonl(path)
    with open(path, "ab") as handle:
        handle.write(b'{"a": 3, "b": 4}\n')
    assert [r.values for r in reading.rows] == [{"a": "1"}, {"a": "2"}]
    assert reading.header == ["a"]


def test_empty_file_blank_lines_and_missing_file(write, tmp_path):
    assert rows_of(write("jsonl_empty.jsonl", b"")) == ([], [])
    assert rows_of(write("jsonl_blank.jsonl", BOM + b" \r\n\t\n\n")) == ([], [])
    with pytest.raises(FileError, match="cannot open the file"):
        read_jsonl(tmp_path / "nowhere.jsonl")


def test_the_registry_points_here(write):
    path = write("jsonl_registry.jsonl", '{"a": {"b": true}}\n')
    reading = READERS["jsonl"].read(path, SOURCE)
    assert reading.header == ["a.b"]
    assert [r.values for r in reading.rows] == [{"a.b": "true"}]


# --------------------------------------------------------------------------------------------
# Through the pipeline, on SQLite and PostgreSQL

PIPELINE_CONFIG = """
timezone: Europe/Paris
sources:
  - name: app
    kind: usage
    format: jsonl
    path: logs/app-*.jsonl
    columns: {ts: time_iso, user: user.id, action: msg}
  - name: app-errors
    kind: errors
    format: jsonl
    path: logs/errors.jsonl
    columns: {ts: asctime, level: levelname, module: name, message: message, user: user}
"""
ERRORS = (
    '{"asctime": "2026-05-02 09:00:00,123", "levelname": "ERROR", "name": "billing.pdf", '
    '"message": "export failed for a1@x.fr", "user": "A1"}\n'
    '{"asctime": "2026-05-02 09:05:00,000", "levelname": "LOUD", "name": "billing", '
    '"message": "?"}\n'
)


def test_collect_usage_and_errors_through_the_pipeline(store_url, make_config, write):
    write("logs/app-1.jsonl", PINO)
    write("logs/errors.jsonl", ERRORS)
    config = load_config(make_config(PIPELINE_CONFIG, store=store_url))
    store = open_store(config.store_url)
    try:
        outcomes = {o.name: o for o in collect(config, store)}
        (usage,) = outcomes["app"].files
        # lines 1, 3 and 6 are events; 4 (array), 5 (junk) and 7 (cut short) are quarantined
        assert (usage.status, usage.read, usage.accepted, usage.quarantined) == ("ok", 6, 3, 3)
        (errors,) = outcomes["app-errors"].files
        assert (errors.read, errors.accepted, errors.quarantined) == (2, 1, 1)
        with store.session() as session:
            for ledger in session.scalars(select(IngestFile)):
                assert ledger.rows_read == ledger.accepted + ledger.duplicates + ledger.quarantined
            quarantine = session.execute(
                select(
                    Quarantine.source, Quarantine.line, Quarantine.stage, Quarantine.reason
                ).order_by(Quarantine.source, Quarantine.line)
            ).all()
            events = session.execute(
                select(UsageEvent.ts, UsageEvent.user_key, UsageEvent.action).order_by(
                    UsageEvent.ts
                )
            ).all()
            error_event = session.scalars(select(ErrorEvent)).one()
        assert [(s, line, stage) for s, line, stage, _ in quarantine] == [
            ("app", 4, "parse"),
            ("app", 5, "parse"),
            ("app", 7, "parse"),
            ("app-errors", 2, "convert"),
        ]
        assert quarantine[0][3] == NOT_OBJECT + "found an array"
        assert quarantine[2][3].startswith(NOT_OBJECT + "Unterminated string")
        assert "'LOUD' is not a log level" in quarantine[3][3]
        pseudo = Pseudonymizer(config.secret_key())
        utc = dt.UTC
        assert [(ts.astimezone(utc), user, action) for ts, user, action in events] == [
            (dt.datetime(2024, 5, 31, 16, 8, 37, 171000, utc), pseudo("3"), "invoice.create"),
            (dt.datetime(2024, 5, 31, 16, 9, 37, tzinfo=utc), pseudo("A2"), "invoice.send"),
            (dt.datetime(2024, 6, 1, 6, 0, tzinfo=utc), pseudo("3"), "quote.create"),
        ]
        # asctime is naive: read in the company's zone (Paris, UTC+2 in May)
        assert error_event.ts.astimezone(utc) == dt.datetime(2026, 5, 2, 7, 0, 0, 123000, utc)
        assert (error_event.level, error_event.module) == ("error", "billing.pdf")
        assert "a1@x.fr" not in error_event.message

        def counts():
            with store.session() as session:
                return tuple(
                    session.scalar(select(func.count()).select_from(model))
                    for model in (UsageEvent, ErrorEvent, Quarantine)
                )

        before = counts()
        again = {o.name: o for o in collect(config, store)}
        assert [f.status for o in again.values() for f in o.files] == ["skipped", "skipped"]
        assert counts() == before

        # the crash-cut line completed and one more event: only the new ones are added
        write("logs/app-1.jsonl", PINO + b'nt.record"}\n{"time":1717172000,"user":{"id":9}}\n')
        (grown,) = {o.name: o for o in collect(config, store, ["app"])}["app"].files
        assert (grown.read, grown.accepted, grown.duplicates, grown.quarantined) == (7, 2, 3, 2)
        assert counts()[0] == 5
        assert counts()[2] == before[2]  # no duplicate quarantine entries
    finally:
        store.dispose()


# --------------------------------------------------------------------------------------------
# Fuzzing

FUZZ = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
_json = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


def _blank(line: bytes) -> bool:
    return not line.removeprefix(BOM).strip(b" \t\r\n")


@FUZZ
@given(
    lines=st.lists(st.binary(max_size=120).map(lambda b: b.replace(b"\n", b"")), max_size=8),
    final_newline=st.booleans(),
)
def test_fuzz_bytes_never_raise(tmp_path, lines, final_newline):
    path = tmp_path / "jsonl_fuzz.jsonl"
    path.write_bytes(b"\n".join(lines) + (b"\n" if final_newline else b""))
    header, rows = rows_of(path)
    expected = [i for i, line in enumerate(lines, 1) if not _blank(line)]
    assert [r.line for r in rows] == [r.number for r in rows] == expected
    for row in rows:
        assert "\x00" not in row.raw
        if row.values is None:
            assert row.error.startswith(NOT_OBJECT)
        else:
            assert set(row.values) <= set(header)


@FUZZ
@given(
    objects=st.lists(
        st.one_of(st.dictionaries(st.text(max_size=8), _json, max_size=5), _json), max_size=6
    ),
    crlf=st.booleans(),
)
def test_fuzz_json_values_are_text_and_objects_are_rows(tmp_path, objects, crlf):
    ending = "\r\n" if crlf else "\n"
    path = tmp_path / "jsonl_fuzz_values.jsonl"
    path.write_text("".join(json.dumps(o) + ending for o in objects), encoding="utf-8")
    header, rows = rows_of(path)
    assert len(rows) == len(objects)
    for row, obj in zip(rows, objects, strict=True):
        if not isinstance(obj, dict) or _has_nan_or_inf(obj):
            assert row.values is None and row.error.startswith(NOT_OBJECT)
            continue
        assert row.values is not None, row.error
        assert all(isinstance(v, str) and "\x00" not in v for v in row.values.values())
        assert set(row.values) <= set(header)
        for key, value in obj.items():
            if "." in key or "\x00" in key or any("\ud800" <= c <= "\udfff" for c in key):
                continue
            if isinstance(value, str) and not any(
                c == "\x00" or "\ud800" <= c <= "\udfff" for c in value
            ):
                assert row.values[key] == value
            elif value is None:
                assert row.values[key] == ""


def _has_nan_or_inf(value) -> bool:
    if isinstance(value, float):
        return value != value or value in (float("inf"), float("-inf"))
    if isinstance(value, dict):
        return any(_has_nan_or_inf(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nan_or_inf(v) for v in value)
    return False
