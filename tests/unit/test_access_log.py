"""The access-log reader: crafted lines, a fixture of oddities, the real samples through the
pipeline (SQLite and PostgreSQL), and fuzzing (never raises, one row per non-blank line)."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from collectors.privacy import Pseudonymizer
from collectors.readers import READERS, FileError, access_log
from collectors.readers.access_log import HEADER, parse_line
from collectors.run import collect
from hypercare.config import SourceConfig, load_config
from metrics.store import open_store
from metrics.store.models import Quarantine, UsageEvent

DATA = Path(__file__).resolve().parents[1] / "data"
SOURCE = SourceConfig(name="web", kind="usage", format="access-log", path="x.log", index=0)
UA = "Mozilla/5.0 (X11; Linux x86_64)"


def values(line: str) -> dict[str, str]:
    parsed, hint = parse_line(line)
    assert parsed is not None, hint
    return parsed


def read_rows(path: Path):
    reading = access_log.read(path, SOURCE)
    assert reading.header == HEADER
    return list(reading.rows)


# --------------------------------------------------------------------------------------------
# Crafted lines


def test_combined_line():
    line = (
        '83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /invoices/12/pdf HTTP/1.1" 200 '
        f'203023 "http://semicomplete.com/" "{UA}"'
    )
    v = values(line)
    assert v.pop("line_id") == hashlib.blake2b(line.encode(), digest_size=8).hexdigest()
    assert values(line.replace("203023", "203024"))["line_id"] != values(line)["line_id"]
    assert v == {
        "time": "2015-05-17T10:05:03+00:00",
        "remote_addr": "83.149.9.216",
        "remote_user": "",
        "client": "83.149.9.216",
        "user": "83.149.9.216",
        "method": "GET",
        "path": "/invoices/12/pdf",
        "protocol": "HTTP/1.1",
        "request": "GET /invoices/12/pdf HTTP/1.1",
        "status": "200",
        "bytes": "203023",
        "referer": "http://semicomplete.com/",
        "user_agent": UA,
        "x_forwarded_for": "",
        "feature": "invoices",
        "action": "GET /invoices/{id}/pdf",
        "duration_ms": "",
    }


def test_common_line_with_a_login_and_an_offset():
    v = values('10.1.2.3 - alice [02/May/2026:09:00:01 +0200] "POST /invoices HTTP/1.0" 201 -')
    assert v["time"] == "2026-05-02T09:00:01+02:00"
    assert v["remote_user"] == v["user"] == "alice"  # a login stands for the user
    assert v["client"] == "10.1.2.3"
    assert (v["method"], v["path"], v["protocol"]) == ("POST", "/invoices", "HTTP/1.0")
    assert (v["status"], v["bytes"]) == ("201", "0")  # CLF writes - for no bytes
    assert v["referer"] == v["user_agent"] == v["x_forwarded_for"] == ""
    assert (v["feature"], v["action"]) == ("invoices", "POST /invoices")


def test_nginx_main_with_forwarded_for_and_request_time():
    v = values(
        '10.0.0.5 - - [02/May/2026:09:00:02 +0000] "GET /customers/42 HTTP/2.0" 502 157 "-" '
        '"curl/8.5.0" "198.51.100.23, 10.0.0.1" 1.234'
    )
    assert v["remote_addr"] == "10.0.0.5"
    assert v["x_forwarded_for"] == "198.51.100.23, 10.0.0.1"
    assert v["client"] == v["user"] == "198.51.100.23"  # the first forwarded address
    assert v["duration_ms"] == "1234"
    assert v["status"] == "502"


@pytest.mark.parametrize(
    ("tail", "duration"),
    [
        (' "-" "curl/8" "-" 0.123', "123"),  # nginx main, no forwarded address
        (' "-" "curl/8" 0.000', "0"),  # combined + $request_time
        (' "-" "curl/8" "-" 12', ""),  # a bare integer: unit unknown (%T? %D?), not read
        (' "-" "curl/8" "-" -', ""),
        (' "-" "curl/8" "-"', ""),
    ],
)
def test_request_time_is_read_in_seconds(tail, duration):
    v = values('10.0.0.5 - - [02/May/2026:09:00:02 +0000] "GET / HTTP/1.1" 200 1' + tail)
    assert v["duration_ms"] == duration
    assert v["client"] == "10.0.0.5"


def test_escaped_quotes_in_request_and_user_agent():
    v = values(
        r'10.0.0.1 - - [02/May/2026:09:00:03 +0000] "GET /search?q=\"x y\" HTTP/1.1" 404 0 '
        r'"-" "Bot \"quoted\" 1.0 \\o/"'
    )
    assert v["request"] == 'GET /search?q="x y" HTTP/1.1'
    assert v["path"] == "/search"
    assert v["user_agent"] == 'Bot "quoted" 1.0 \\o/'
    assert v["status"] == "404"


@pytest.mark.parametrize(
    "request_text",
    [
        "-",
        r"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS handshake on the HTTP port
        "",
        "SSH-2.0-Go",
        "x" * 300,
    ],
)
def test_request_that_is_not_method_path_protocol_is_kept(request_text):
    v = values(f'198.51.100.7 - - [02/May/2026:09:00:04 +0000] "{request_text}" 400 - "-" "-"')
    assert v["method"] == v["path"] == v["protocol"] == v["feature"] == ""
    assert v["action"] == request_text[:200]
    assert v["status"] == "400"


def test_ipv6_host_and_proxy_forms():
    v = values('2001:db8::1 - - [02/May/2026:09:00:05 +0000] "GET / HTTP/1.1" 304 -')
    assert v["client"] == v["user"] == "2001:db8::1"
    assert (v["path"], v["feature"], v["action"]) == ("/", "/", "GET /")
    v = values('::1 - - [02/May/2026:09:00:05 +0000] "GET http://h.example/a/7?b=1 HTTP/1.1" 200 1')
    assert (v["path"], v["action"]) == ("/a/7", "GET /a/{id}")


def test_query_strings_are_stripped_and_ids_grouped():
    def action(target: str) -> str:
        return values(f'1.2.3.4 - - [02/May/2026:09:00:05 +0000] "PUT {target} HTTP/1.1" 200 1')[
            "action"
        ]

    assert action("/invoices/12/pdf?download=1&x=2") == "PUT /invoices/{id}/pdf"
    assert action("/invoices/13/pdf") == "PUT /invoices/{id}/pdf"
    assert (
        action("/api/v2/customers/550E8400-e29b-41d4-a716-446655440000/notes/7#top")
        == "PUT /api/v2/customers/{id}/notes/{id}"
    )
    assert action("/reports/2026-05/x1") == "PUT /reports/2026-05/x1"  # not an id: kept
    assert action("/a b/c") == "PUT /a b/c"  # an unencoded space in the target
    assert len(action("/" + "y" * 400)) == 200  # the store's action column holds 200


def test_lines_that_do_not_match_say_why():
    cases = {
        "garbage": "no [time] field",
        '1.2.3.4 [20/Jul/2009:22:59:29 +0000] "GET / HTTP/1.0" 404 1': "expected host, ident",
        "1.2.3.4 - - [20/Jul/2009:22:59:29 +0000] GET / 200 1": 'no quoted "request"',
        '1.2.3.4 - - [20/Jul/2009:22:59:29 +0000] "GET / HTTP/1.0" OK 1': "no status and bytes",
        '1.2.3.4 - - [20/Foo/2009:22:59:29 +0000] "GET / HTTP/1.0" 200 1': "the time [20/Foo",
    }
    for line, hint in cases.items():
        parsed, why = parse_line(line)
        assert parsed is None
        assert why.startswith(hint), (line, why)


# --------------------------------------------------------------------------------------------
# Files


def test_file_rows_numbers_blank_lines_crlf_and_bytes_that_are_not_utf8(write):
    path = write(
        "access_bytes.log",
        b'1.2.3.4 - - [02/May/2026:09:00:00 +0000] "GET /a HTTP/1.1" 200 1 "-" "caf\xe9"\r\n'
        b"\r\n"
        b"   \n"
        b'1.2.3.4 - - [02/May/2026:09:00:01 +0000] "GET /b\x00 HTTP/1.1" 200 1\n'
        b"not a log line\n"
        b'1.2.3.4 - - [02/May/2026:09:00:02 +0000] "GET /c HTTP/1.1" 200 1',  # no final newline
    )
    rows = read_rows(path)
    assert [(r.line, r.number) for r in rows] == [(1, 1), (4, 4), (5, 5), (6, 6)]
    assert rows[0].values["user_agent"] == "caf\\xe9"
    assert rows[0].raw.endswith('"caf\\xe9"')  # no \r
    assert rows[1].values["path"] == "/b\\x00"  # no NUL reaches the store (PostgreSQL refuses it)
    assert "\x00" not in rows[1].raw
    assert rows[2].values is None
    assert rows[2].raw == "not a log line"
    assert rows[2].error == "line does not match the combined log format: no [time] field"
    assert rows[3].values["path"] == "/c"


def test_an_overlong_line_is_one_bad_row_and_reading_goes_on(write, monkeypatch):
    monkeypatch.setattr(access_log, "MAX_LINE_BYTES", 100)
    good = '1.2.3.4 - - [02/May/2026:09:00:00 +0000] "GET /a HTTP/1.1" 200 1'
    path = write("access_long.log", f"{good}\n{good[:60]}{'x' * 500}\n{good}\n")
    rows = read_rows(path)
    assert [r.line for r in rows] == [1, 2, 3]
    assert rows[1].values is None
    assert "longer than 100 bytes" in rows[1].error
    assert len(rows[1].raw) <= 101
    assert rows[0].values == rows[2].values


def test_a_gzip_rotated_log_is_read_and_a_damaged_one_fails_the_file(write, store_url, make_config):
    good = '1.2.3.4 - - [02/May/2026:09:00:00 +0000] "GET /a HTTP/1.1" 200 1\n'
    packed = gzip.compress((good + "\n" + good.replace("/a", "/b")).encode(), mtime=0)
    rows = read_rows(write("access.log.2.gz", packed))
    assert [(r.line, r.values["path"]) for r in rows] == [(1, "/a"), (3, "/b")]
    # only a .gz name is unpacked: a .log whose bytes look compressed is read as (bad) lines
    assert all(r.values is None for r in read_rows(write("access_gz_bytes.log", packed)))

    damaged = write("access_damaged.log.gz", gzip.compress((good * 50).encode(), mtime=0)[:-12])
    with pytest.raises(FileError, match="the compressed file is damaged"):
        read_rows(damaged)
    _, store, outcome = collect_log(make_config, store_url, damaged)
    try:
        assert [(f.status, f.read) for f in outcome.files] == [("failed", 0)]
        assert "the compressed file is damaged" in outcome.files[0].error
        assert event_count(store) == 0  # nothing of the file is stored
    finally:
        store.dispose()


def test_missing_file_is_a_file_error(tmp_path):
    with pytest.raises(FileError, match="cannot open the file"):
        access_log.read(tmp_path / "nope.log", SOURCE)


def test_the_registry_points_here_with_usage_defaults():
    fmt = READERS["access-log"]
    assert fmt.module == access_log.__name__
    defaults = fmt.defaults["usage"]
    assert set(defaults) == {"ts", "user", "feature", "action", "status", "duration_ms", "event_id"}
    for columns in defaults.values():
        columns = (columns,) if isinstance(columns, str) else columns
        assert set(columns) <= set(HEADER), columns


# --------------------------------------------------------------------------------------------
# Through the pipeline


def collect_log(make_config, store_url: str, path: Path):
    config = load_config(
        make_config(
            f"""
            timezone: Europe/Paris
            sources:
              - name: web
                kind: usage
                format: access-log
                path: {path}
            """,
            store=store_url,
        )
    )
    store = open_store(config.store_url)
    (outcome,) = collect(config, store)
    assert outcome.error is None
    return config, store, outcome


def stored(store, *columns):
    with store.session() as session:
        return session.execute(select(*columns).order_by(UsageEvent.ts)).all()


def event_count(store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(UsageEvent))


def quarantined(store):
    with store.session() as session:
        return session.execute(
            select(Quarantine.line, Quarantine.stage, Quarantine.reason, Quarantine.raw)
        ).all()


def test_fixture_of_oddities_through_the_pipeline(store_url, make_config):
    path = DATA / "access_mixed_formats_oddities.log"
    config, store, outcome = collect_log(make_config, store_url, path)
    try:
        (f,) = outcome.files
        lines = path.read_bytes().split(b"\n")
        non_blank = [i for i, line in enumerate(lines, 1) if line.strip()]
        assert (f.read, f.accepted, f.duplicates, f.quarantined) == (len(non_blank), 8, 0, 1)
        ((line, stage, reason, raw),) = quarantined(store)
        assert (line, stage) == (9, "parse")
        assert reason == "line does not match the combined log format: no [time] field"
        assert raw == lines[8].decode()

        pseudo = Pseudonymizer(config.secret_key())
        events = stored(
            store,
            UsageEvent.ts,
            UsageEvent.user_key,
            UsageEvent.feature,
            UsageEvent.action,
            UsageEvent.status,
            UsageEvent.outcome,
            UsageEvent.duration_ms,
        )
        assert [e.ts.astimezone(dt.UTC).strftime("%H:%M:%S") for e in events] == [
            f"07:00:0{s}" for s in range(8)
        ]
        assert [e.user_key for e in events] == [
            pseudo(u)
            for u in (
                "203.0.113.9",
                "alice",
                "198.51.100.23",  # first x_forwarded_for
                "2001:db8::1",
                "198.51.100.7",
                "198.51.100.7",
                "192.0.2.44",
                "192.0.2.44",
            )
        ]
        assert [(e.action, e.status, e.outcome, e.duration_ms) for e in events] == [
            ("GET /invoices/{id}/pdf", 200, "ok", None),
            ("POST /invoices", 201, "ok", None),
            ("GET /customers/{id}", 502, "error", 1234),
            ("GET /search", 404, None, None),  # 4xx: stored, counted apart, not an error
            ("-", 408, None, None),
            (r"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400, None, None),
            ("GET /reports/{id}/{id}", 200, "ok", 45),
            ("DELETE /invoices/{id}", 500, "error", None),
        ]
        assert events[0].feature == "invoices"
        assert events[3].feature == "search"
    finally:
        store.dispose()


def test_real_apache_combined_10k(store_url, make_config, real_sample):
    path = real_sample("apache_combined_10k.log")
    text = path.read_text(encoding="utf-8", errors="backslashreplace")
    lines = [line for line in text.split("\n") if line.strip()]

    def status_of(line: str) -> int:
        return int(line.split('"')[2].split()[0])

    # Identical lines (a client fetching a page twice within a second) are one event; lines
    # that differ in anything (query string, bytes, user agent) are two.
    events = set(lines)
    identical_copies = len(lines) - len(events)
    config, store, outcome = collect_log(make_config, store_url, path)
    try:
        (f,) = outcome.files
        assert (f.status, f.read, f.quarantined) == ("ok", len(lines), 0)
        assert f.accepted == len(events)
        assert f.accepted + f.duplicates == len(lines)
        assert f.duplicates == identical_copies

        expected = Counter(status_of(line) for line in events)
        assert sum(Counter(status_of(line) for line in lines).values()) == len(lines)
        with store.session() as session:
            by_status = dict(
                session.execute(
                    select(UsageEvent.status, func.count()).group_by(UsageEvent.status)
                ).all()
            )
            outcomes = set(
                session.execute(
                    select(UsageEvent.status >= 500, UsageEvent.outcome).distinct()
                ).all()
            )
            users = session.scalar(select(func.count(func.distinct(UsageEvent.user_key))))
        assert by_status == dict(expected)
        assert outcomes == {(True, "error"), (False, "ok"), (False, None)}  # 4xx: no outcome
        assert users == len({line.split(" ", 1)[0] for line in lines})  # one user per client

        (again,) = collect(config, store)
        assert [g.status for g in again.files] == ["skipped"]
        assert event_count(store) == len(events)
    finally:
        store.dispose()


def test_real_log_with_one_bad_line(store_url, make_config, real_sample):
    path = real_sample("access_log_one_bad_line.log")
    lines = path.read_text(encoding="utf-8").split("\n")
    config, store, outcome = collect_log(make_config, store_url, path)
    try:
        (f,) = outcome.files
        assert (f.read, f.accepted, f.duplicates, f.quarantined) == (3, 2, 0, 1)
        ((line, stage, reason, raw),) = quarantined(store)
        assert (line, stage, raw) == (2, "parse", lines[1])
        assert reason.startswith("line does not match the combined log format: ")
        statuses = [int(lines[i].split('"')[2].split()[0]) for i in (0, 2)]
        assert [s for (s,) in stored(store, UsageEvent.status)] == statuses

        (again,) = collect(config, store)
        assert [g.status for g in again.files] == ["skipped"]
        assert len(quarantined(store)) == 1
    finally:
        store.dispose()


# --------------------------------------------------------------------------------------------
# Fuzzing

FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_line_text = st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=200)
_log_like = st.builds(
    '{} {} {} [{}] "{}" {} {}{}'.format,
    st.sampled_from(["1.2.3.4", "::1", "-", "a b"]),
    st.sampled_from(["-", ""]),
    st.sampled_from(["-", "bob", '"x"']),
    st.sampled_from(["02/May/2026:09:00:00 +0000", "31/Feb/2026:25:61:61 +9999", "", "]"]),
    _line_text,
    st.sampled_from(["200", "99", "-", "5000"]),
    st.sampled_from(["1", "-", "", "x"]),
    _line_text,
)


@FUZZ
@given(lines=st.lists(st.one_of(_line_text, _log_like), max_size=8), final_newline=st.booleans())
def test_fuzz_text_lines_never_raise_and_give_one_row_each(tmp_path, lines, final_newline):
    path = tmp_path / "access_fuzz.log"
    path.write_bytes(("\n".join(lines) + ("\n" if final_newline else "")).encode("utf-8"))
    rows = read_rows(path)
    expected = [i for i, line in enumerate(lines, 1) if line.strip()]
    assert [r.line for r in rows] == [r.number for r in rows] == expected
    for row in rows:
        assert "\x00" not in row.raw
        if row.values is None:
            assert row.error.startswith("line does not match the combined log format: ")
        else:
            assert list(row.values) == HEADER
            assert len(row.values["action"]) <= 200
            assert len(row.values["feature"]) <= 200


@FUZZ
@given(lines=st.lists(st.binary(max_size=200).map(lambda b: b.replace(b"\n", b"")), max_size=8))
def test_fuzz_bytes_never_raise(tmp_path, lines):
    path = tmp_path / "access_fuzz.log"
    path.write_bytes(b"\n".join(lines))
    rows = read_rows(path)
    expected = [
        i
        for i, line in enumerate(lines, 1)
        if line.decode("utf-8", errors="backslashreplace").strip()
    ]
    assert [r.line for r in rows] == expected


_printable = st.text(st.characters(min_codepoint=0x20, exclude_categories=("Cs", "Cc")))


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')  # as Apache writes %r and headers


@FUZZ
@given(
    when=st.datetimes(
        min_value=dt.datetime(1990, 1, 1),
        max_value=dt.datetime(2100, 1, 1),
        timezones=st.just(None),
    ),
    offset_minutes=st.integers(-12 * 60, 14 * 60),
    target=_printable.filter(lambda t: " " not in t),
    status=st.integers(100, 599),
    referer=_printable,
    agent=_printable,
    seconds=st.none() | st.decimals(0, 10_000, places=3),
)
def test_fuzz_combined_fields_round_trip(
    when, offset_minutes, target, status, referer, agent, seconds
):
    zone = dt.timezone(dt.timedelta(minutes=offset_minutes))
    when = when.replace(microsecond=0, tzinfo=zone)
    stamp = when.strftime("%d/%b/%Y:%H:%M:%S %z")
    request = f"GET /{target} HTTP/1.1"
    line = (
        f'10.0.0.1 - - [{stamp}] "{_escaped(request)}" {status} 12 "{_escaped(referer)}" '
        f'"{_escaped(agent)}"'
    )
    if seconds is not None:
        line += f" {seconds}"
    v = values(line)
    assert dt.datetime.fromisoformat(v["time"]) == when
    assert v["request"] == request
    assert v["status"] == str(status)
    assert v["referer"] == ("" if referer in ("", "-") else referer)
    assert v["user_agent"] == ("" if agent in ("", "-") else agent)
    assert v["path"] == re.split(r"[?#]", "/" + target, maxsplit=1)[0]
    if seconds is None:
        assert v["duration_ms"] == ""
    else:
        assert float(v["duration_ms"]) == pytest.approx(float(seconds) * 1000)
