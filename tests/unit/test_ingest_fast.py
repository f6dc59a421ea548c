"""The ingest's fast paths give exactly what the general code gives (issue 7, ingest speed).

- ``RowConverter``'s per-column functions against ``_convert_value`` (values and error messages);
- the date parser's straight path against ``strptime`` and its error messages;
- the SQLite date/time binds against SQLAlchemy's own processors;
- ``insert_new_tuples`` (executemany on SQLite, COPY + INSERT … ON CONFLICT on PostgreSQL):
  exact counts, the values read back, the store's refusals as SQLAlchemy errors;
- the per-person rollup summed from the per-feature one against grouping the events.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import DateTime, Integer, case, func, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DataError

from collectors.base import (
    CollectContext,
    RowConverter,
    _iso_day,
    _iso_moment,
    _remembered,
    _same_but_faster,
    insert_new,
    insert_new_tuples,
)
from collectors.kinds import KINDS
from collectors.privacy import Pseudonymizer
from collectors.readers import RawRow
from collectors.readers import csv as csv_reader
from collectors.values import DateParser
from hypercare.config import CsvOptions, load_config
from metrics import rollups
from metrics.store import open_store
from metrics.store.models import (
    IngestFile,
    IngestRun,
    PersonAlias,
    UsageDaily,
    UsageDailyFeature,
    UsageEvent,
)

PARIS = ZoneInfo("Europe/Paris")
HEADER = ["Date", "Qui", "Action", "Statut", "Durée", "HTTP"]

TEXTS = [
    "",
    "  ",
    "12",
    " 12 ",
    "12,5",
    "-,5",
    "1.234,5",
    "1 234,5",
    "1\u202f234,5",
    "1,2,3",
    "1234.5",
    "1_000",
    "1e3",
    "nan",
    "inf",
    "-infinity",
    "abc",
    "OK",
    "ok ",
    "Erreur",
    "  ERREUR ",
    "failed",
    "peut-être",
    "200",
    "404",
    "99,5",
    "x" * 250,
    "a\0b",
    "23/11/2026 08:05:09",
    "23/11/2026",
]


def _converter(make_config, decimal: str) -> RowConverter:
    path = make_config(
        "sources:\n"
        "  - {name: u, kind: usage, path: u.csv,\n"
        f"     csv: {{delimiter: ';', decimal: '{decimal}'}},\n"
        "     columns: {ts: Date, user: Qui, action: Action, outcome: Statut,\n"
        "               duration_ms: Durée, status: HTTP},\n"
        "     values: {outcome: {Erreur: error, Parfait: ok}, duration_ms: {rien: 0}}}\n"
    )
    config = load_config(path)
    ctx = CollectContext(config, config.sources[0], Pseudonymizer(b"k"), PARIS)
    return RowConverter(KINDS["usage"], ctx, HEADER, "u.csv")


def _outcome(function, text):
    try:
        return ("value", function(text))
    except ValueError as exc:
        return ("error", str(exc))


@pytest.mark.parametrize("decimal", [",", "."])
def test_column_functions_give_what_the_general_path_gives(make_config, decimal):
    converter = _converter(make_config, decimal)
    converter._plan = converter._build_plan()
    fields = converter.kind.fields
    for name, _column, function in converter._plan:
        for text in [*TEXTS, "rien", "Parfait", "parfait "]:
            general = _outcome(lambda t, f=fields[name]: converter._convert_value(f, t), text)
            # twice: the second answer may come from the column's memory
            assert _outcome(function, text) == general, (name, text)
            assert _outcome(function, text) == general, (name, text)


_CONVERTERS: dict[str, RowConverter] = {}


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(alphabet="0123456789 ,.-+e_\u202f'abn", max_size=12))
def test_number_fast_path_matches_parse_number(make_config, text):
    for decimal in (",", "."):
        if decimal not in _CONVERTERS:  # the same config for every example
            _CONVERTERS[decimal] = _converter(make_config, decimal)
        converter = _CONVERTERS[decimal]
        field = converter.kind.fields["duration_ms"]
        function = converter._parser(field)
        general = _outcome(partial(converter._parse, field), text)
        assert _outcome(function, text) == general


def test_convert_refuses_like_before(make_config):
    converter = _converter(make_config, ",")

    def row(*cells: str) -> RawRow:
        return RawRow(2, 1, dict(zip(HEADER, cells, strict=True)), ";".join(cells))

    record = converter.convert(row("23/11/2025 08:05:09", "P1", "invoice.create", "Erreur", "", ""))
    assert record["outcome"] == "error" and record["feature"] == "invoice"
    assert record["ts"] == dt.datetime(2025, 11, 23, 7, 5, 9, tzinfo=dt.UTC)
    assert list(record)[:6] == ["ts", "user", "action", "outcome", "duration_ms", "status"]
    with pytest.raises(Exception, match=r"column 'Durée' \(duration_ms\): 'abc' is not a number"):
        converter.convert(row("23/11/2025 08:05:09", "P1", "a", "OK", "abc", ""))
    with pytest.raises(Exception, match=r"column 'Qui' \(user\) is empty") as info:
        converter.convert(row("23/11/2025 08:05:09", " ", "a", "OK", "", ""))
    assert info.value.stage == "validate"
    with pytest.raises(Exception, match=r"'31/11/2025 08:05:09' is not a date .* \(no such day\)"):
        converter.convert(row("31/11/2025 08:05:09", "P1", "a", "OK", "", ""))


def test_remembered_keeps_no_errors_and_starts_over_when_full(monkeypatch):
    calls: list[str] = []

    def parse(text: str) -> int:
        calls.append(text)
        if text == "bad":
            raise ValueError("bad")
        return len(text)

    monkeypatch.setattr("collectors.base._REMEMBERED", 3)
    function = _remembered(parse)
    assert [function(t) for t in ["a", "a", "bb", "a"]] == [1, 1, 2, 1]
    assert calls == ["a", "bb"]
    for _ in range(2):
        with pytest.raises(ValueError):
            function("bad")
    assert calls == ["a", "bb", "bad", "bad"]
    function("ccc")
    function("dddd")  # the memory was full: it starts over
    function("a")
    assert calls[-1] == "a"


@pytest.mark.parametrize(
    ("first", "text", "message"),
    [
        ("01/02/2026 10:00:00", "31/02/2026 10:00:00", r"understands \(no such day\)"),
        ("01/02/2026 10:00:00", "01/01/0999 10:00:00", "not a date between 1000 and 9998"),
        ("01/02/2026", "32/01/2026", "no such day"),
        ("02/01/2026 10:00:00", "13/13/2026 10:00:00", "not a date this source understands"),
    ],
)
def test_date_fast_path_keeps_the_error_messages(first, text, message):
    parser = DateParser(dayfirst=True, fmt=None, source_tz=PARIS)
    parser.parse(first)  # remembers the format: the next dates take the straight path
    with pytest.raises(ValueError, match=message):
        parser.parse(text)


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9998, 12, 31)),
    dayfirst=st.booleans(),
    seconds=st.booleans(),
)
def test_date_fast_path_matches_strptime(moment, dayfirst, seconds):
    day = "%d/%m/%Y" if dayfirst else "%m/%d/%Y"
    fmt = f"{day} %H:%M:%S" if seconds else day
    text = moment.strftime(fmt)
    expected = dt.datetime.strptime(text, fmt).replace(tzinfo=PARIS)
    parser = DateParser(dayfirst=dayfirst, fmt=None, source_tz=PARIS)
    parser.parse(dt.datetime(2026, 1, 13, 1, 2, 3).strftime(fmt))  # learns the format
    assert parser._last == fmt
    parsed = parser.parse(text)
    assert parsed == expected and parsed.tzinfo is PARIS and parsed.fold == 0


@settings(max_examples=300, deadline=None)
@given(moment=st.datetimes(timezones=st.just(dt.UTC)) | st.datetimes())
def test_sqlite_binds_match_sqlalchemy(moment):
    dialect = sqlite.dialect()
    stamp = DateTime(timezone=True).dialect_impl(dialect).bind_processor(dialect)
    day = UsageEvent.__table__.c.day.type.dialect_impl(dialect).bind_processor(dialect)
    assert _same_but_faster(stamp) is _iso_moment
    assert _same_but_faster(day) is _iso_day
    assert _iso_moment(moment) == stamp(moment)
    assert _iso_day(moment.date()) == day(moment.date())


def test_an_unknown_processor_is_kept():
    def shout(value):
        return f"<{value}>"

    assert _same_but_faster(shout) is shout


def _store_with_file(url: str):
    store = open_store(url)
    with store.session() as session:
        run = IngestRun(started_at=dt.datetime.now(dt.UTC), status="ok", command="test")
        session.add(run)
        session.flush()
        ledger = IngestFile(
            run_id=run.id,
            source="u",
            kind="usage",
            path="u.csv",
            checksum="0" * 64,
            size_bytes=1,
            start_offset=0,
            start_line=0,
            status="ok",
            started_at=dt.datetime.now(dt.UTC),
        )
        session.add(ledger)
        session.flush()
        file_id = ledger.id
    return store, file_id


COLUMNS = ["event_key", "source", "file_id", "ts", "day", "user_key", "action", "outcome"]


def _event(key: int, file_id: int, minute: int = 0, user: str = "u1") -> tuple:
    ts = dt.datetime(2026, 3, 29, 0, minute, 1, 250, tzinfo=dt.UTC)  # the night clocks change
    return (key, "u", file_id, ts, ts.astimezone(PARIS).date(), user, "a.b", "ok")


def test_insert_new_tuples_counts_exactly(store_url):
    store, file_id = _store_with_file(store_url)
    try:
        with store.session() as session:
            rows = [_event(k, file_id, k) for k in (1, 2, 3)] + [_event(2, file_id, 9)]
            assert insert_new_tuples(session, UsageEvent, COLUMNS, rows) == (3, 1)
        with store.session() as session:  # stored keys, a repeat in the batch, new keys
            rows = [_event(k, file_id, k % 60) for k in (3, 4, 4, 5, 1, -(2**63))]
            assert insert_new_tuples(session, UsageEvent, COLUMNS, rows) == (3, 3)
            assert insert_new_tuples(session, UsageEvent, COLUMNS, rows[:2]) == (0, 2)
            assert insert_new(session, UsageEvent, []) == (0, 0)
            as_dicts = [dict(zip(COLUMNS, _event(7, file_id), strict=True))] * 2
            assert insert_new(session, UsageEvent, as_dicts) == (1, 1)
        with store.session() as session:
            stored = session.execute(
                select(
                    UsageEvent.event_key, UsageEvent.ts, UsageEvent.day, UsageEvent.user_key
                ).order_by(UsageEvent.event_key)
            ).all()
            keys = [row[0] for row in stored]
            assert keys == [-(2**63), 1, 2, 3, 4, 5, 7]
            first = next(row for row in stored if row[0] == 2)
            ts = first[1] if first[1].tzinfo else first[1].replace(tzinfo=dt.UTC)
            assert ts == dt.datetime(2026, 3, 29, 0, 2, 1, 250, tzinfo=dt.UTC)
            assert first[2] == dt.date(2026, 3, 29) and first[3] == "u1"
            # the same rows through the ORM read the same: the fast binds store what it stores
            session.add(
                UsageEvent(
                    **dict(zip(COLUMNS, _event(8, file_id, 2), strict=True)) | {"user_key": "u1"}
                )
            )
            session.flush()
            raw = session.execute(
                select(func.count(func.distinct(UsageEvent.ts))).where(
                    UsageEvent.event_key.in_([2, 8])
                )
            ).scalar_one()
            assert raw == 1
    finally:
        store.dispose()


def test_insert_new_tuples_rolls_back_with_its_transaction(store_url):
    store, file_id = _store_with_file(store_url)
    try:
        with pytest.raises(RuntimeError), store.session() as session:
            insert_new_tuples(session, UsageEvent, COLUMNS, [_event(1, file_id)])
            insert_new_tuples(session, UsageEvent, COLUMNS, [_event(2, file_id)])
            raise RuntimeError("crash before the commit")
        with store.session() as session:
            assert session.scalar(select(func.count()).select_from(UsageEvent)) == 0
            # and the next transaction works (PostgreSQL's staging table went with the first)
            assert insert_new_tuples(session, UsageEvent, COLUMNS, [_event(1, file_id)]) == (1, 0)
    finally:
        store.dispose()


def test_postgresql_refusal_is_a_sqlalchemy_error(pg_url):
    """A value PostgreSQL refuses in the COPY path fails the file like any statement would
    (collect_file catches DataError and IntegrityError); SQLite does not check lengths."""
    store, file_id = _store_with_file(pg_url)
    try:
        too_long = list(_event(1, file_id))
        too_long[1] = "s" * 101  # source is VARCHAR(100)
        with pytest.raises(DataError, match="too long"), store.session() as session:
            insert_new_tuples(session, UsageEvent, COLUMNS, [tuple(too_long)])
    finally:
        store.dispose()


def test_per_person_rollup_equals_grouping_the_events(store_url):
    store, file_id = _store_with_file(store_url)
    try:
        with store.session() as session:
            session.add(PersonAlias(alias_key="mail1", person_key="u1"))
            rows = []
            for key in range(60):
                user = ["u1", "mail1", "u2", "u3"][key % 4]
                event = list(_event(key, file_id, key % 50, user))
                event[7] = ["ok", "error", None][key % 3]
                event[6] = [None, "a.b", "c.d"][key % 3] if key % 5 else None
                rows.append(tuple(event))
            insert_new_tuples(session, UsageEvent, COLUMNS, rows)
            rollups.refresh_days(session, [dt.date(2026, 3, 28), dt.date(2026, 3, 29)])
        with store.session() as session:
            person = func.coalesce(PersonAlias.person_key, UsageEvent.user_key)
            expected = session.execute(
                select(
                    UsageEvent.day,
                    person,
                    func.count(),
                    func.sum(case((UsageEvent.outcome == "ok", 1), else_=0)).cast(Integer),
                    func.sum(case((UsageEvent.outcome == "error", 1), else_=0)).cast(Integer),
                )
                .outerjoin(PersonAlias, PersonAlias.alias_key == UsageEvent.user_key)
                .group_by(UsageEvent.day, person)
                .order_by(UsageEvent.day, person)
            ).all()
            got = session.execute(
                select(
                    UsageDaily.day,
                    UsageDaily.person_key,
                    UsageDaily.events,
                    UsageDaily.ok_events,
                    UsageDaily.error_events,
                ).order_by(UsageDaily.day, UsageDaily.person_key)
            ).all()
            assert [tuple(r) for r in got] == [tuple(r) for r in expected]
            assert {r[1] for r in got} == {"u1", "u2", "u3"}
            assert session.scalar(select(func.sum(UsageDailyFeature.events))) == 60
    finally:
        store.dispose()


def _read_all(path, options, force_csv_module: bool, monkeypatch) -> tuple:
    real = csv_reader._rows
    if force_csv_module:  # no fast path: every line goes through csv.reader
        monkeypatch.setattr(
            csv_reader,
            "_rows",
            lambda *args: real(*args[:6], args[6], None),
        )
    try:
        reading = csv_reader.read_csv(path, options)
        rows = [(r.line, r.number, r.values, r.raw, r.error) for r in reading.rows]
        return reading.header, rows
    finally:
        monkeypatch.setattr(csv_reader, "_rows", real)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(alphabet='ab;,"\n\r\0 é', max_size=60),
    delimiter=st.sampled_from([";", ","]),
)
def test_csv_fast_path_reads_what_csv_reader_reads(tmp_path, monkeypatch, text, delimiter):
    path = tmp_path / "f.csv"
    path.write_text("a;b;c\n" if delimiter == ";" else "a,b,c\n", encoding="utf-8", newline="")
    with open(path, "a", encoding="utf-8", newline="") as handle:
        handle.write(text)
    options = CsvOptions(delimiter=delimiter, encoding="utf-8")
    fast = _read_all(path, options, False, monkeypatch)
    slow = _read_all(path, options, True, monkeypatch)
    assert fast == slow
