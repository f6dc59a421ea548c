import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from collectors.values import DateParser, parse_bool, parse_number, parse_outcome

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Oui", True), ("non", False), ("YES", True), ("0", False), ("x", True), ("", False)],
)
def test_parse_bool(text, expected):
    assert parse_bool(text) is expected


def test_parse_bool_refuses_unknown_words():
    with pytest.raises(ValueError, match="'peut-être' is not a yes/no value"):
        parse_bool("peut-être")


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [
        ("1234,5", ",", 1234.5),
        ("1\u202f234,5", ",", 1234.5),  # narrow no-break space groups thousands (French Excel)
        ("1 234,5", ",", 1234.5),
        ("1.234,5", ",", 1234.5),
        ("1234.5", ".", 1234.5),
        ("-3", ".", -3.0),
        ("", ",", None),
    ],
)
def test_parse_number(text, decimal, expected):
    assert parse_number(text, decimal) == expected


def test_parse_number_refuses_text():
    with pytest.raises(ValueError, match="'douze' is not a number"):
        parse_number("douze", ",")


def test_parse_outcome():
    assert parse_outcome("Succès") == "ok"
    assert parse_outcome("ERREUR") == "error"
    assert parse_outcome(" ") is None
    with pytest.raises(ValueError, match="not a known outcome"):
        parse_outcome("Peut-être")


def test_day_first_naive_time_is_taken_in_the_source_zone():
    parser = DateParser(dayfirst=True, fmt=None, source_tz=PARIS)
    parsed = parser.parse("03/04/2026 09:15:00")
    assert parsed == dt.datetime(2026, 4, 3, 9, 15, tzinfo=PARIS)
    assert parsed.astimezone(dt.UTC).hour == 7  # CEST is UTC+2 on 3 April


def test_month_first_when_not_day_first():
    parser = DateParser(dayfirst=False, fmt=None, source_tz=dt.UTC)
    assert parser.parse("4/3/2026 9:15:00").date() == dt.date(2026, 4, 3)


def test_month_first_fallback_when_day_first_is_impossible():
    parser = DateParser(dayfirst=True, fmt=None, source_tz=dt.UTC)
    # 13 cannot be a month, so day-first fails and month-first reads it.
    assert parser.parse("05/13/2026 10:00").date() == dt.date(2026, 5, 13)


def test_iso_with_offset_keeps_its_zone():
    parser = DateParser(dayfirst=True, fmt=None, source_tz=PARIS)
    parsed = parser.parse("2026-05-31T23:30:00Z")
    assert parsed == dt.datetime(2026, 5, 31, 23, 30, tzinfo=dt.UTC)


def test_explicit_format():
    parser = DateParser(dayfirst=False, fmt="%Y%m%d %H%M", source_tz=dt.UTC)
    assert parser.parse("20260531 1405") == dt.datetime(2026, 5, 31, 14, 5, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="does not match the date format"):
        parser.parse("31/05/2026")


def test_jira_month_names_and_am_pm():
    parser = DateParser(dayfirst=True, fmt=None, source_tz=dt.UTC)
    assert parser.parse("12/May/26 3:04 PM") == dt.datetime(2026, 5, 12, 15, 4, tzinfo=dt.UTC)


def test_impossible_day_is_explained():
    parser = DateParser(dayfirst=True, fmt=None, source_tz=PARIS)
    with pytest.raises(ValueError, match=r"'31/02/2026 10:00:00' is not a date.*no such day"):
        parser.parse("31/02/2026 10:00:00")


@pytest.mark.parametrize("text", ["nan", "inf", "-Infinity"])
def test_parse_number_refuses_non_finite(text):
    with pytest.raises(ValueError, match="is not a number"):
        parse_number(text)
