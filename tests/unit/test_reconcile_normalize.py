"""Normalization of values before comparing, and the section's config errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from hypercare.config import ConfigError, load_config
from metrics.reconcile_normalize import (
    SideContext,
    TypeProblem,
    Unparsed,
    canon,
    encoding_change,
    group_value,
    parse_decimal,
    resolve_type,
    to_bool,
    to_date,
    to_datetime,
    to_number,
    to_text,
)
from metrics.reconcile_spec import GroupExpr

PARIS = SideContext(tz=ZoneInfo("Europe/Paris"))
UTC = SideContext(tz=ZoneInfo("UTC"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12,50", "12.5"),
        ("1 234,50 €", "1234.5"),
        ("1.234,50", "1234.5"),
        ("1,234.50", "1234.5"),
        ("-0,00", "0"),
        (12.5, "12.5"),
        (0.1 + 0.2, "0.3"),
        (Decimal("12.500"), "12.5"),
        (Decimal("1E+2"), "100"),
        (3, "3"),
        (True, "1"),
        ("", None),
        (float("nan"), None),
    ],
)
def test_numbers_have_one_normal_form(value, expected):
    assert canon(to_number(value, PARIS)) == expected


def test_a_number_that_is_not_one_is_kept_apart():
    assert to_number("douze", PARIS) == Unparsed("douze")
    assert parse_decimal("12,5", ".") is None or parse_decimal("12,5", ".") == Decimal("125")
    assert parse_decimal("12.5", ",") == Decimal("125")  # the dot groups thousands then


def test_times_are_compared_in_utc():
    naive = dt.datetime(2026, 5, 31, 23, 30)
    aware = dt.datetime(2026, 5, 31, 21, 30, tzinfo=dt.UTC)
    assert to_datetime(naive, PARIS) == to_datetime(aware, UTC)
    assert to_datetime("31/05/2026 23:30", PARIS) == to_datetime("2026-05-31T21:30:00Z", UTC)
    assert to_datetime("2026-05-31 23:30:00+02:00", UTC) == to_datetime(aware, PARIS)
    assert canon(to_datetime(naive, PARIS)) == "2026-05-31T21:30:00+00:00"
    assert to_date(aware, PARIS) == dt.date(2026, 5, 31)
    assert to_date("31/05/2026", PARIS) == to_date(dt.date(2026, 5, 31), UTC)


def test_text_is_trimmed_nfc_and_empty_is_null():
    assert to_text("Socie\u0301te\u0301  ", PARIS) == "Société"
    assert to_text("   ", PARIS) is None
    assert to_text(None, PARIS) is None
    assert to_bool("Oui", PARIS) is True and to_bool(0, PARIS) is False


def test_encoding_accidents_are_recognized():
    assert encoding_change("Société", "SociÃ©tÃ©")
    assert encoding_change("SociÃ©tÃ©", "Société")
    assert encoding_change("Société", "Soci?t?")
    assert not encoding_change("Société", "Societe")
    assert not encoding_change("Dupont", "Durand")


def test_group_values():
    moment = to_datetime("2026-05-31 23:30", PARIS)  # 21:30 UTC, still May in Paris
    assert group_value(GroupExpr("month(d)", "d", "month"), moment, ZoneInfo("Europe/Paris")) == (
        "2026-05"
    )
    assert group_value(GroupExpr("quarter(d)", "d", "quarter"), dt.date(2026, 5, 1), PARIS.tz) == (
        "2026-Q2"
    )
    assert group_value(GroupExpr("d", "d"), Decimal("1.50"), PARIS.tz) == "1.5"


def test_types_are_inferred_from_both_sides():
    contexts = {"legacy": PARIS, "new": UTC}
    assert resolve_type("m", None, {"legacy": ["12,50"], "new": [Decimal("1")]}, contexts) == (
        "number"
    )
    assert resolve_type("d", None, {"legacy": ["2026-05-01"], "new": ["2026-05-02"]}, contexts) == (
        "date"
    )
    assert resolve_type("t", None, {"legacy": ["0042"], "new": ["42"]}, contexts) == "text"
    assert resolve_type("b", None, {"legacy": [1, 0], "new": [True]}, contexts) == "bool"
    with pytest.raises(TypeProblem, match="legacy side holds dates and the new side holds num"):
        resolve_type("x", None, {"legacy": [dt.date(2026, 1, 1)], "new": [3]}, contexts)
    with pytest.raises(TypeProblem, match="'abc'"):
        resolve_type("x", "number", {"legacy": ["abc"], "new": []}, contexts)


def config_problems(make_config, body: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(make_config(body))
    return info.value.problems


def test_config_errors_name_the_key(make_config):
    problems = config_problems(
        make_config,
        """
        reconciliation:
          sides:
            legacy: {url: "postgresql://u:secret@db/x"}
            nouveau: {url: "sqlite:///n.db"}
          entities:
            - name: f
              legacy: {query: "SELECT 1", path: x.csv}
              new: {tabel: t}
              key: num
              tolerance: {montant: -1}
              group_by: week(d)
              types: {d: datum}
              where: {d: {"~": 1}}
            - {name: f, legacy: {table: a}, new: {table: b}}
        """,
    )
    text = "\n".join(problems)
    assert "reconciliation.sides.nouveau: unknown key" in text
    assert "reconciliation.entities[0] (f).new.tabel: unknown key (did you mean 'table'?)" in text
    assert "reconciliation.entities[0] (f).tolerance.montant: expected a number ≥ 0" in text
    assert "group_by: expected a column or one of year(column)" in text
    assert "types.d: expected one of text, number" in text
    assert "where.d: expected operators" in text
    assert "password does not belong" in text
    assert "entities[1].name: 'f' is already the name of another entity" in text
    assert "secret" not in text.replace("password", "")


def test_a_config_without_the_section_has_none(make_config):
    assert load_config(make_config("locale: fr\n")).sections["reconciliation"] is None


def test_an_entity_file_overrides_the_side_database(make_config):
    config = load_config(
        make_config(
            """
            reconciliation:
              sides:
                legacy: {url: "sqlite:///legacy.db"}
                new: {url: "sqlite:///new.db"}
              entities:
                - name: clients
                  legacy: {path: clients.csv, csv: {delimiter: ";"}}
                  new: {table: customers}
                  key: [code]
            """
        )
    )
    (clients,) = config.sections["reconciliation"].entities
    assert clients.legacy.is_file and clients.legacy.url is None
    assert clients.legacy.csv.delimiter == ";"
    assert clients.new.table == "customers" and not clients.new.is_file
